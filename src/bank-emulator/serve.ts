import { type ServerType, serve } from "@hono/node-server";
import { type BankEmulator, createBankEmulator } from "./emulator";
import type { BankEmulatorOptions } from "./store";

export type RunningBankEmulator = BankEmulator & { url: string; port: number; close(): Promise<void> };

/** Serves the bank emulator on loopback (port 0 picks a free one); Node only. */
export function serveBankEmulator(options: BankEmulatorOptions & { port: number }): Promise<RunningBankEmulator> {
  const emulator = createBankEmulator(options);
  const host = "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: emulator.app.fetch, hostname: host, port: options.port }, (info) =>
      resolve({
        ...emulator,
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            emulator.control.webhooks.stop();
            server.close(() => done());
            "closeAllConnections" in server && server.closeAllConnections();
          }),
      }),
    );
    server.once("error", reject);
  });
}
