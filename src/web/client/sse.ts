/**
 * A Server-Sent Events parser for streams read with fetch(). EventSource cannot send an
 * Authorization header, and the API authenticates every request with one, so the client reads
 * the stream itself (WHATWG HTML, "Interpreting an event stream").
 */

export type SseEvent = { id: string | undefined; event: string; data: string };

export type SseParser = {
  /** Feeds decoded text; returns the events it completed. */
  push(chunk: string): SseEvent[];
  /** The last `retry:` the server asked for, in milliseconds. */
  readonly retryMs: number | undefined;
};

export function createSseParser(): SseParser {
  let buffer = "";
  let data: string[] = [];
  let eventType = "";
  let lastId: string | undefined;
  let retryMs: number | undefined;
  let afterCr = false;

  const line = (text: string, out: SseEvent[]) => {
    if (text === "") {
      if (data.length > 0) out.push({ id: lastId, event: eventType || "message", data: data.join("\n") });
      data = [];
      eventType = "";
      return;
    }
    if (text.startsWith(":")) return; // a comment, such as the server's keep-alive
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") eventType = value;
    else if (field === "id" && !value.includes("\0")) lastId = value;
    else if (field === "retry" && /^\d+$/.test(value)) retryMs = Number(value);
  };

  return {
    push(chunk) {
      // A line that ended with \r at the end of the last chunk may continue with the \n of \r\n.
      buffer += afterCr && chunk.startsWith("\n") ? chunk.slice(1) : chunk;
      afterCr = false;
      const out: SseEvent[] = [];
      for (;;) {
        const match = /\r\n|\n|\r/.exec(buffer);
        if (!match) break;
        line(buffer.slice(0, match.index), out);
        buffer = buffer.slice(match.index + match[0].length);
        afterCr = match[0] === "\r" && buffer === "";
      }
      return out;
    },
    get retryMs() {
      return retryMs;
    },
  };
}
