import { describe, expect, it } from "vitest";
import { parseHandles } from "./chats";

describe("handles typed to start a chat", () => {
  it("reads one or several handles, with or without @, each once", () => {
    expect(parseHandles("bob")).toEqual(["bob"]);
    expect(parseHandles(" @Alice,bob  carol, ,bob ")).toEqual(["alice", "bob", "carol"]);
    expect(parseHandles(" , ")).toEqual([]);
  });
});
