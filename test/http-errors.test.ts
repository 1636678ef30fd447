import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { BODY_LIMIT_BYTES } from "../src/http/request-guards";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let alice: { id: string; token: string };

beforeAll(async () => {
  h = await createHarness();
  h.app.get("/test/boom", () => {
    throw new Error("database password is hunter2");
  });
  alice = await h.signIn("alice");
});
afterAll(() => h.close());

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `/docs#${code}` });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(body.request_id).toBe(res.headers.get("X-Request-Id"));
  return body;
}

describe("HTTP platform", () => {
  it("puts a request id on every response and echoes a valid incoming one", async () => {
    const fresh = await h.request("GET", "/healthz");
    expect(fresh.headers.get("X-Request-Id")).toMatch(/^req_[0-9a-z]{26}$/);
    const echoed = await h.request("GET", "/healthz", { headers: { "X-Request-Id": "chat-abc-123" } });
    expect(echoed.headers.get("X-Request-Id")).toBe("chat-abc-123");
  });

  it("answers 413 for a body over 16 KiB", async () => {
    const body = { kind: "group", member_ids: ["x".repeat(BODY_LIMIT_BYTES)] };
    await expectProblem(await h.request("POST", "/v1/threads", { token: alice.token, body }), 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers 415 for a body that is not JSON", async () => {
    const res = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: "kind=direct",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    await expectProblem(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 400 for malformed JSON", async () => {
    const res = await h.request("POST", "/v1/threads", { token: alice.token, body: '{"kind": "direct",' });
    await expectProblem(res, 400, "MALFORMED_JSON");
  });

  it("answers 404 for an unknown route", async () => {
    await expectProblem(await h.request("GET", "/nope"), 404, "ROUTE_NOT_FOUND");
    await expectProblem(await h.request("GET", "/v1/nope", { token: alice.token }), 404, "ROUTE_NOT_FOUND");
  });

  it("answers 405 with Allow for a known route and a wrong method", async () => {
    const res = await h.request("DELETE", "/v1/threads", { token: alice.token });
    await expectProblem(res, 405, "METHOD_NOT_ALLOWED");
    expect(res.headers.get("Allow")).toBe("GET, HEAD, POST");
    const put = await h.request("PUT", "/healthz");
    await expectProblem(put, 405, "METHOD_NOT_ALLOWED");
  });

  it("rejects unknown fields and bad values with 422 listing each field", async () => {
    const res = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: { kind: "triangle", member_ids: [], admin: true },
    });
    const body = await expectProblem(res, 422, "VALIDATION_FAILED");
    expect(body.detail).toBe(body.title);
    const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(["(body)", "kind", "member_ids"]);
  });

  it("answers a generic 500 with the request id and never the cause", async () => {
    const res = await h.request("GET", "/test/boom");
    const body = await expectProblem(res, 500, "INTERNAL");
    expect(JSON.stringify(body)).not.toContain("hunter2");
    expect(body.detail).toContain(res.headers.get("X-Request-Id"));
  });

  it("reports liveness and readiness", async () => {
    expect(await (await h.request("GET", "/healthz")).json()).toEqual({ status: "ok" });
    const ready = await h.request("GET", "/readyz");
    expect(ready.status).toBe(200);
  });

  it("is not ready when a migration has not run", async () => {
    await h.db.deleteFrom("kysely_migration" as never).execute();
    try {
      await expectProblem(await h.request("GET", "/readyz"), 503, "NOT_READY");
    } finally {
      await h.db
        .insertInto("kysely_migration" as never)
        .values({ name: "2026-11-22T0900-foundation", timestamp: new Date().toISOString() } as never)
        .execute();
    }
  });
});
