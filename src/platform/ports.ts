import net from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { StartupError } from "./startup-error";

/**
 * A failure to listen as one sentence naming the variable to change (a port in use, or one that
 * needs privileges); anything else is returned as it is.
 */
export function explainListenError(err: unknown, host: string, port: number, variable: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    return new StartupError(
      `Port ${port} on ${host} is already in use: stop what is using it, or set ${variable} to a free port.`,
    );
  }
  if (code === "EACCES") {
    return new StartupError(`Port ${port} on ${host} needs privileges: set ${variable} to a port above 1023.`);
  }
  if (code === "EADDRNOTAVAIL") {
    return new StartupError(
      `${host} is not an address of this machine: set HOST to one (127.0.0.1 for this machine only).`,
    );
  }
  return err;
}

/** Resolves once a server listens; rejects with explainListenError's sentence if it cannot. */
export function whenListening(server: net.Server, host: string, port: number, variable: string): Promise<void> {
  if (server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", (err) => reject(explainListenError(err, host, port, variable)));
  });
}

/** Fails with explainListenError's sentence when nothing could listen on the port now (checked by listening). */
export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  const probe = net.createServer();
  probe.listen(port, host);
  await whenListening(probe, host, port, variable);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** A fetch handler served on loopback (port 0 picks a free one); close() also ends open connections. */
export function serveOnLoopback(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const host = "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch, hostname: host, port }, (info) =>
      resolve({
        host,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            "closeAllConnections" in server && server.closeAllConnections();
          }),
      }),
    );
    // A port in use: the caller says which setting to change.
    server.once("error", reject);
  });
}
