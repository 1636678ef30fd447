import { describe, expect, it } from "vitest";
import { createSseParser } from "./sse";

describe("reading Server-Sent Events from a fetch() body", () => {
  it("parses events split anywhere across chunks, skipping comments", () => {
    const parser = createSseParser();
    const text =
      'retry: 2000\n\n: keep-alive\n\nid: 7\nevent: payment.updated\ndata: {"id":"pay_1"}\n\nid: 8\nevent: message.created\ndata: {"a":\ndata: 1}\n\n';
    const events = [];
    for (const char of text) events.push(...parser.push(char));
    expect(events).toEqual([
      { id: "7", event: "payment.updated", data: '{"id":"pay_1"}' },
      { id: "8", event: "message.created", data: '{"a":\n1}' },
    ]);
    expect(parser.retryMs).toBe(2000);
  });

  it("accepts CRLF and CR line endings, and keeps the last id for events without one", () => {
    const parser = createSseParser();
    expect(parser.push("id: 1\r\ndata: a\r\n\r\ndata: b\r")).toEqual([{ id: "1", event: "message", data: "a" }]);
    expect(parser.push("\r")).toEqual([{ id: "1", event: "message", data: "b" }]);
    expect(parser.push("\ndata: c\n\n")).toEqual([{ id: "1", event: "message", data: "c" }]);
  });
});
