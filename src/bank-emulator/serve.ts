import { serveOnLoopback } from "../platform/ports";
import { type BankEmulator, createBankEmulator } from "./emulator";
import type { BankEmulatorOptions } from "./store";

export type RunningBankEmulator = BankEmulator & { url: string; port: number; close(): Promise<void> };

/** Serves the bank emulator on loopback (port 0 picks a free one); Node only. */
export async function serveBankEmulator(options: BankEmulatorOptions & { port: number }): Promise<RunningBankEmulator> {
  const emulator = createBankEmulator(options);
  const server = await serveOnLoopback(emulator.app.fetch, options.port);
  return {
    ...emulator,
    url: `http://${server.host}:${server.port}`,
    port: server.port,
    close: () => {
      emulator.control.webhooks.stop();
      return server.close();
    },
  };
}
