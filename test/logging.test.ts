import { createRequire } from "node:module";
import { Writable } from "node:stream";
import type { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../src/app";
import { createLogger, loggerOptions } from "../src/platform/logger";
import { agreeToPayments, createHarness, type Harness } from "./harness";

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

  it("hold ids and outcomes only, never what the privacy routes carry (names, memos, messages, the export)", async () => {
    const app = appLoggingToMemory();
    const call = async (method: string, path: string, token: string | undefined, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          "Content-Type": "application/json",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const signIn = async (handle: string, display_name: string) => {
      const res = await call("POST", "/v1/dev/sessions", undefined, { handle, display_name });
      const session = (await res.json()) as { token: string; user: { id: string } };
      await agreeToPayments((m, p, o) => call(m, p, o?.token, o?.body), session.token);
      return session;
    };
    const alice = await signIn("log_alice", "Alice Logname");
    const bob = await signIn("log_bob", "Bob Logname");
    expect((await call("PUT", "/v1/me/pin", alice.token, { new_pin: "480917" })).status).toBe(201);
    const thread = await call("POST", "/v1/threads", alice.token, { kind: "direct", member_ids: [bob.user.id] });
    const threadId = ((await thread.json()) as { id: string }).id;
    await call("POST", `/v1/threads/${threadId}/messages`, alice.token, { body: "a private message" });
    const request = await call("POST", `/v1/threads/${threadId}/requests`, bob.token, {
      amount_minor: 700,
      currency: "USD",
      memo: "a private memo",
    });
    const requestId = ((await request.json()) as { id: string }).id;
    expect((await call("POST", `/v1/requests/${requestId}/decline`, alice.token)).status).toBe(200);
    const started = (await (await call("POST", "/v1/me/exports", alice.token)).json()) as {
      export_id: string;
      confirmation: { challenge_id: string };
    };
    const archive = await call("POST", `/v1/me/exports/${started.export_id}/download`, alice.token, {
      challenge_id: started.confirmation.challenge_id,
      method: "pin",
      response: { pin: "480917" },
    });
    expect(archive.status).toBe(200);
    await call("PUT", "/v1/me/privacy", alice.token, { requests_from: "nobody", threads_from: "nobody" });
    await call("POST", "/v1/me/consents/payments/withdraw", alice.token);
    expect((await call("POST", "/v1/me/closure", alice.token, { confirm: "close my account" })).status).toBe(200);

    const log = lines.join("");
    expect(log).toContain("/v1/me/exports/:id/download");
    for (const personal of [
      "Alice Logname",
      "Bob Logname",
      "log_alice",
      "a private message",
      "a private memo",
      "480917",
    ]) {
      expect(log).not.toContain(personal);
    }
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
