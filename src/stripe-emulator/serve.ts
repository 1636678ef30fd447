import type { Clock } from "../platform/clock";
import { serveOnLoopback } from "../platform/ports";
import { createStripeEmulator, type StripeEmulator } from "./emulator";
import type { Deliver } from "./webhooks";

export type RunningEmulator = StripeEmulator & { host: string; port: number; close(): Promise<void> };

/** Serves the emulator on loopback (port 0 picks a free one); Node only. */
export async function serveStripeEmulator(options: {
  port: number;
  clock: Clock;
  webhookSecret: string;
  deliver: Deliver;
}): Promise<RunningEmulator> {
  const emulator = createStripeEmulator(options);
  const server = await serveOnLoopback(emulator.app.fetch, options.port);
  return {
    ...emulator,
    host: server.host,
    port: server.port,
    close: () => {
      emulator.control.webhooks.stop();
      return server.close();
    },
  };
}

/** Posts webhook events to a URL, as Stripe does. */
export function deliverTo(url: string): Deliver {
  return async (payload, headers) => (await fetch(url, { method: "POST", headers, body: payload })).status;
}
