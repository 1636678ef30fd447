import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containsCardNumber } from "../src/features/payments/memo";
import { signSessionToken } from "../src/http/auth";
import { encodeCursor } from "../src/http/pagination";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { BODY_LIMIT_BYTES } from "../src/http/request-guards";
import { answerClientErrorsAsProblems } from "../src/platform/client-errors";
import { footprint } from "./footprint";
import { createHarness, type Harness, TEST_JWT_SECRET } from "./harness";
import { directThread, type Person, send, sender } from "./payment-helpers";

let h: Harness;
let alice: Person;
let bob: Person;
let threadId: string;

beforeAll(async () => {
  h = await createHarness();
  alice = await sender(h, "alice");
  bob = await sender(h, "bob", null);
  threadId = await directThread(h, alice, bob);
});
afterAll(() => h.close());

async function problemCode(res: Response, status: number): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
  return ((await res.json()) as { code: string }).code;
}

const payment = (memo: string) => ({ recipient_id: bob.id, amount_minor: 100, currency: "USD", memo });

describe("bad input", () => {
  it("answers a JSON content type with an empty body with 400 on every kind of route", async () => {
    const routes: [string, string, string | undefined][] = [
      ["POST", "/v1/dev/sessions", undefined],
      ["PUT", "/v1/me/pin", alice.token],
      ["POST", "/v1/cards", alice.token],
      ["POST", `/v1/threads/${threadId}/requests`, alice.token],
      ["POST", "/v1/stripe/webhook", undefined],
    ];
    for (const [method, path, token] of routes) {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      expect(await problemCode(await h.app.request(path, { method, headers, body: "" }), 400)).toBe("MALFORMED_JSON");
    }
  });

  it("refuses malformed path ids before any query (NUL, too long, wrong prefix)", async () => {
    for (const id of ["%00", "thr_%00", `thr_${"a".repeat(80)}`, "pay_8d2k1m0c7x4v9t3r6p5n2b1a0q"]) {
      const res = await h.request("GET", `/v1/threads/${id}`, { token: alice.token });
      expect(await problemCode(res, 422)).toBe("VALIDATION_FAILED");
    }
    const res = await h.request("POST", "/v1/payments/%00/cancel", { token: alice.token });
    expect(await problemCode(res, 422)).toBe("VALIDATION_FAILED");
  });

  it("refuses text Postgres cannot store, and JSON nested past the limit, changing nothing", async () => {
    const before = await footprint(h.db);
    for (const memo of ["a\u0000b", "a\ud800b", "\udfff"]) {
      expect(await problemCode(await send(h, alice, threadId, payment(memo)), 422)).toBe("VALIDATION_FAILED");
    }
    const nulKey = await h.request("POST", "/v1/threads", { token: alice.token, body: '{"kind\\u0000":"direct"}' });
    expect(await problemCode(nulKey, 422)).toBe("VALIDATION_FAILED");
    const deep = `${'{"a":'.repeat(2000)}1${"}".repeat(2000)}`;
    const deepRes = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: deep,
      headers: { "Idempotency-Key": "deep-1" },
    });
    expect(await problemCode(deepRes, 400)).toBe("MALFORMED_JSON");
    expect(await footprint(h.db)).toEqual(before);
  });

  it("refuses memos and messages that could spoof the chat, and card numbers however they are disguised", async () => {
    const before = await footprint(h.db);
    const spoofs = [
      "x\nPayment of $5,000.00",
      "x\r\ny",
      "rent \u202e00.05$",
      "a\u2066b\u2069",
      "zero\u200bwidth",
      "bell\u0007",
      "sep\u2028arator",
    ];
    for (const memo of spoofs) {
      expect(await problemCode(await send(h, alice, threadId, payment(memo)), 422)).toBe("VALIDATION_FAILED");
    }
    const cards = [
      "4242.4242.4242.4242",
      "4242/4242/4242/4242",
      "４２４２４２４２４２４２４２４２",
      "card 4242 - 4242 - 4242 - 4242",
    ];
    for (const memo of cards) {
      expect(await problemCode(await send(h, alice, threadId, payment(memo)), 422)).toBe("MEMO_CONTAINS_CARD_NUMBER");
    }
    // Invisible characters are refused as text first; the guard sees through them on its own too.
    expect(containsCardNumber("4242\u200b4242\u2060 4242\ufeff4242")).toBe(true);
    expect(containsCardNumber("order 4242 4242 4242 4241, table 12")).toBe(false);
    const message = await h.request("POST", `/v1/threads/${threadId}/messages`, {
      token: alice.token,
      body: { body: "hi\u202eereh" },
    });
    expect(await problemCode(message, 422)).toBe("VALIDATION_FAILED");
    expect(await footprint(h.db)).toEqual(before);

    // What people really type still works: emoji built with joiners, accents, lines in messages.
    const family = await send(h, alice, threadId, payment("  pizza 👨‍👩‍👧 café  "));
    expect(family.status).toBe(201);
    const created = (await family.json()) as { payment: { memo: string } };
    expect(created.payment.memo).toBe("pizza 👨‍👩‍👧 café");
    const lines = await h.request("POST", `/v1/threads/${threadId}/messages`, {
      token: alice.token,
      body: { body: "first line\nsecond line" },
    });
    expect(lines.status).toBe(201);
  });

  it("refuses a cursor beyond any row id with 422", async () => {
    const cursor = encodeCursor(2n ** 63n);
    const res = await h.request("GET", `/v1/threads?cursor=${cursor}`, { token: alice.token });
    expect(await problemCode(res, 422)).toBe("VALIDATION_FAILED");
  });

  it("refuses tokens whose subject is not a person's id, creating nobody", async () => {
    const users = async () =>
      Number(
        (
          await h.db
            .selectFrom("users")
            .select((eb) => eb.fn.countAll<bigint>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await users();
    const { SignJWT } = await import("jose");
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const exp = Math.floor(h.clock.now().getTime() / 1000) + 600;
    const numeric = await new SignJWT({ sub: 42 as unknown as string, exp })
      .setProtectedHeader({ alg: "HS256" })
      .sign(key);
    const tokens = [
      numeric,
      await signSessionToken(TEST_JWT_SECRET, "", h.clock.now(), 600),
      await signSessionToken(TEST_JWT_SECRET, "u".repeat(8000), h.clock.now(), 600),
      await signSessionToken(TEST_JWT_SECRET, "platform", h.clock.now(), 600),
      await signSessionToken(TEST_JWT_SECRET, "a b", h.clock.now(), 600),
    ];
    for (const token of tokens) {
      expect(await problemCode(await h.request("GET", "/v1/threads", { token }), 401)).toBe("UNAUTHENTICATED");
    }
    expect(await users()).toBe(before);
  });

  it("replaces a display name from a token that could spoof the chat", async () => {
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const { SignJWT } = await import("jose");
    const exp = Math.floor(h.clock.now().getTime() / 1000) + 600;
    const token = await new SignJWT({ sub: "chat-user-spoof", name: "Bank\nSupport\u0000", exp })
      .setProtectedHeader({ alg: "HS256" })
      .sign(key);
    expect((await h.request("GET", "/v1/threads", { token })).status).toBe(200);
    const user = await h.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", "chat-user-spoof")
      .executeTakeFirstOrThrow();
    expect(user.display_name).toBe("Member");
  });
});

describe("over a real socket", () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 }) as http.Server;
    answerClientErrorsAsProblems(server);
    await new Promise<void>((resolve) => server.once("listening", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function call(
    agent: http.Agent,
    options: http.RequestOptions,
    body?: string,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, agent, ...options }, (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  it("says the connection closes after an early 413, so the next request on the agent succeeds", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = JSON.stringify({ body: "x".repeat(BODY_LIMIT_BYTES * 4) });
      const refused = await call(
        agent,
        {
          method: "POST",
          path: `/v1/threads/${threadId}/messages`,
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${alice.token}` },
        },
        big,
      );
      expect(refused.status).toBe(413);
      expect(refused.headers.connection).toBe("close");
      const next = await call(agent, { method: "GET", path: "/healthz" });
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("answers headers over Node's limit with a 431 problem", async () => {
    const agent = new http.Agent();
    try {
      const res = await call(agent, {
        method: "GET",
        path: "/healthz",
        headers: { "X-Padding": "p".repeat(64 * 1024) },
      });
      expect(res.status).toBe(431);
      expect(res.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
      expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: "REQUEST_HEADERS_TOO_LARGE" });
    } finally {
      agent.destroy();
    }
  });
});
