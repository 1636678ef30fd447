import { type ServerType, serve } from "@hono/node-server";
import type { Clock } from "../platform/clock";
import { createStripeEmulator, type StripeEmulator } from "./emulator";
import type { Deliver } from "./webhooks";

export type RunningEmulator = StripeEmulator & { host: string; port: number; close(): Promise<void> };

/** Serves the emulator on loopback (port 0 picks a free one); Node only. */
export function serveStripeEmulator(options: {
  port: number;
  clock: Clock;
  webhookSecret: string;
  deliver: Deliver;
}): Promise<RunningEmulator> {
  const emulator = createStripeEmulator(options);
  const host = "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: emulator.app.fetch, hostname: host, port: options.port }, (info) =>
      resolve({
        ...emulator,
        host,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            emulator.control.webhooks.stop();
            server.close(() => done());
            "closeAllConnections" in server && server.closeAllConnections();
          }),
      }),
    );
    // A port in use: the caller says which setting to change.
    server.once("error", reject);
  });
}

/** Posts webhook events to a URL, as Stripe does. */
export function deliverTo(url: string): Deliver {
  return async (payload, headers) => (await fetch(url, { method: "POST", headers, body: payload })).status;
}
