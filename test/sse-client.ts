import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";

/** How long a test waits for the next chunk before failing (a guard, not a sleep). */
export const SSE_WAIT_MS = 10_000;

export type SseEvent = { id: string; event: string; data: Record<string, unknown> };

export type SseClient = {
  status: number;
  response: Response;
  /** The next event (comments skipped); rejects if the stream ends or nothing arrives in time. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** The next comment line's text (e.g. "keep-alive"). */
  nextComment(timeoutMs?: number): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended(timeoutMs?: number): Promise<void>;
  /** Hangs up, as a closed browser tab would. */
  close(): void;
};

/** The app on a real loopback listener, so streams go through Node's HTTP server as in production. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => resolve(info.port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (server && "closeAllConnections" in server) server.closeAllConnections();
        server?.close(() => resolve());
      }),
  };
}

/** Opens GET {url} as an event stream with the token; parses SSE frames as they arrive. */
export async function openSse(url: string, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let done = false;
  let notify = () => {};

  const parse = (block: string) => {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) comments.push(line.slice(1).trim());
      else {
        const colon = line.indexOf(":");
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
      }
    }
    if (fields.data !== undefined) {
      events.push({
        id: fields.id ?? "",
        event: fields.event ?? "message",
        data: JSON.parse(fields.data) as Record<string, unknown>,
      });
    }
  };

  if (response.ok && response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    void (async () => {
      try {
        for (;;) {
          const { done: finished, value } = await reader.read();
          if (finished) break;
          buffer += decoder.decode(value, { stream: true });
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
          }
          notify();
        }
      } catch {
        // Aborted by close(), or the connection dropped: either way the stream is over.
      }
      done = true;
      notify();
    })();
  } else {
    done = true;
  }

  const waitFor = async <T>(take: () => T | undefined, what: string, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (done) throw new Error(`stream ended while waiting for ${what}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    status: response.status,
    response,
    next: (timeoutMs = SSE_WAIT_MS) => waitFor(() => events.shift(), "event", timeoutMs),
    nextComment: (timeoutMs = SSE_WAIT_MS) => waitFor(() => comments.shift(), "comment", timeoutMs),
    ended: async (timeoutMs = SSE_WAIT_MS) => {
      await waitFor(() => (done ? true : undefined), "end of stream", timeoutMs);
    },
    close: () => abort.abort(),
  };
}
