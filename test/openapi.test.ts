import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("OpenAPI", () => {
  it("documents every mounted route, and nothing that is not mounted", async () => {
    const res = await h.request("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");

    const mounted = h.app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual([...new Set(mounted)]);
    expect(documented).toContain("post /v1/threads/{id}/messages");
  });

  it("renders a self-contained reference page from the document", async () => {
    const res = await h.request("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    for (const path of ["/v1/threads", "/v1/threads/{id}/messages", "/v1/dev/sessions", "/readyz"]) {
      expect(html).toContain(`<code>${path}</code>`);
    }
    expect(html).toContain('id="IDEMPOTENCY_KEY_REUSED"');
    expect(html).not.toMatch(/<script|https?:\/\/cdn/);
  });

  it("has no development routes in production", async () => {
    const prod = await createHarness({ NODE_ENV: "production", STRIPE_SECRET_KEY: "sk_test_not_used_here" });
    try {
      const res = await prod.request("POST", "/v1/dev/sessions", { body: { handle: "alice" } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe("ROUTE_NOT_FOUND");
      expect(prod.app.routes.some((r) => r.path.startsWith("/v1/dev/"))).toBe(false);
    } finally {
      await prod.close();
    }
  });
});
