import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

/** Every authenticated route: no token is 401, and someone else's thread is 404 (never 403). */
let h: Harness;
let routes: { method: string; path: string }[];
let outsider: { id: string; token: string };
let threadId: string;

beforeAll(async () => {
  h = await createHarness();
  const [alice, bob] = await Promise.all([h.signIn("alice"), h.signIn("bob")]);
  outsider = await h.signIn("mallory");
  const res = await h.request("POST", "/v1/threads", {
    token: alice.token,
    body: { kind: "direct", member_ids: [bob.id] },
  });
  threadId = ((await res.json()) as { id: string }).id;
  routes = h.app.routes.filter(
    (r) => r.method !== "ALL" && r.path.startsWith("/v1/") && !r.path.startsWith("/v1/dev/"),
  );
});
afterAll(() => h.close());

const bodyFor = (method: string) => (method === "GET" ? undefined : {});

describe("every authenticated route", () => {
  it("covers the routes this suite knows about", () => {
    expect(routes.length).toBeGreaterThanOrEqual(5);
  });

  it("answers 401 without a token", async () => {
    for (const route of routes) {
      const path = route.path.replace(":id", threadId);
      const res = await h.request(route.method, path, { body: bodyFor(route.method) });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it("answers 404 to a non-member on a thread's routes", async () => {
    const scoped = routes.filter((r) => r.path.includes(":id"));
    expect(scoped.length).toBeGreaterThanOrEqual(3);
    for (const route of scoped) {
      const body = route.method === "POST" ? { body: "let me in" } : undefined;
      const res = await h.request(route.method, route.path.replace(":id", threadId), { token: outsider.token, body });
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe("THREAD_NOT_FOUND");
    }
    const messages = await h.db.selectFrom("messages").selectAll().where("thread_id", "=", threadId).execute();
    expect(messages).toEqual([]);
  });
});
