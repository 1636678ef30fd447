import { createRequire } from "node:module";
import { Writable } from "node:stream";
import type { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../src/app";
import { createLogger, loggerOptions } from "../src/platform/logger";
import { createHarness, type Harness } from "./harness";

let h: Harness;
const lines: string[] = [];

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

function appLoggingToMemory() {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return buildApp({ ...h.deps, logger: createLogger("info", sink) });
}

describe("request logs", () => {
  it("carry the request id and outcome but never tokens, cookies or bodies", async () => {
    const app = appLoggingToMemory();
    const session = await app.request("/v1/dev/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ handle: "alice" }),
    });
    const { token } = (await session.json()) as { token: string };
    const res = await app.request("/v1/threads", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, Cookie: "sid=cookie-secret", "Content-Type": "application/json" },
      body: JSON.stringify({ kind: "direct", member_ids: ["usr_nobody"], pin: "135790" }),
    });
    expect(res.status).toBe(422);

    const log = lines.join("");
    const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.route === "/v1/threads");
    expect(entry).toMatchObject({ method: "POST", status: 422, code: "VALIDATION_FAILED" });
    expect(entry?.request_id).toBe(res.headers.get("X-Request-Id"));
    for (const secret of [token, "cookie-secret", "135790", "Bearer"]) expect(log).not.toContain(secret);
  });

  it("censor sensitive fields if code ever passes them to the logger", () => {
    const captured: string[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          captured.push(chunk.toString());
          done();
        },
      }),
    );
    logger.info({ req: { authorization: "Bearer abc", pin: "135790", card_number: "4242424242424242" } }, "oops");
    expect(captured.join("")).not.toMatch(/abc|135790|4242424242424242/);
  });

  it("censor them in pino's browser build too, which Workers run", () => {
    const browserPino = createRequire(import.meta.url)("pino/browser.js") as typeof pino;
    // Its default output: console.* (which Workers collect), as the Worker uses it.
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    try {
      browserPino(loggerOptions("info")).info(
        { req: { authorization: "Bearer abc", pin: "135790", card_number: "4242424242424242" } },
        "oops",
      );
      expect(info).toHaveBeenCalledTimes(1);
      const logged = JSON.stringify(info.mock.calls);
      expect(logged).toContain("oops");
      expect(logged).not.toMatch(/abc|135790|4242424242424242/);
    } finally {
      info.mockRestore();
    }
  });
});
