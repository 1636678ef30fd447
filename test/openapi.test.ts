import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCommand } from "./command";
import { createHarness, type Harness } from "./harness";

type Schema = { example?: string; enum?: string[]; pattern?: string };
type Parameter = { name: string; in: string; required: boolean; schema: Schema };
type Answer = { description: string; headers?: Record<string, unknown> };
type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, Answer>;
};
type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};

let h: Harness;
let token: string;
let doc: Document;

beforeAll(async () => {
  h = await createHarness();
  token = (await h.signIn("alice")).token;
  doc = (await (await h.request("GET", "/openapi.json")).json()) as Document;
});
afterAll(() => h.close());

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
const bearer = (op: Operation) => (op.security ?? []).length > 0;
const withBody = (method: string) => ["POST", "PUT", "PATCH"].includes(method);

/** The path with each parameter filled from its documented example (or first allowed value). */
function examplePath(path: string, op: Operation | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const schema = op?.parameters?.find((p) => p.in === "path" && p.name === name)?.schema;
    const value = schema?.example ?? schema?.enum?.[0];
    if (value === undefined) throw new Error(`No example for {${name}} in ${path}`);
    return value;
  });
}

describe("OpenAPI", () => {
  it("documents every mounted route, and nothing that is not mounted", async () => {
    const res = await h.request("GET", "/openapi.json");
    expect(res.status).toBe(200);
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

  it("passes Redocly's recommended rules, but for what redocly.yaml switches off", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-openapi-"));
    try {
      const file = path.join(dir, "openapi.json");
      await writeFile(file, JSON.stringify(doc));
      const lint = await runCommand(
        path.join(REPO_ROOT, "node_modules/.bin/redocly"),
        ["lint", file, "--config", path.join(REPO_ROOT, "redocly.yaml"), "--format=json"],
        { env: { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
      );
      const report = JSON.parse(lint.stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string }[];
      };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names the server, and gives every operation an operationId, a 4xx answer and its security", () => {
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, op } of operations()) {
      const name = `${method} ${path}`;
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(
        Object.keys(op.responses).some((status) => status.startsWith("4")),
        name,
      ).toBe(true);
      expect(Array.isArray(op.security), name).toBe(true);
    }
  });

  it("asks for a bearer token exactly where a request without one is refused", async () => {
    for (const { method, path, op } of operations()) {
      if (!path.startsWith("/v1/")) {
        // Only /v1 has the authentication middleware.
        expect(op.security, `${method} ${path}`).toEqual([]);
        continue;
      }
      const res = await h.request(method, examplePath(path, op));
      expect(res.status === 401, `${method} ${path} answered ${res.status}`).toBe(bearer(op));
    }
  });

  it("documents what the shared middleware answers on every operation", () => {
    for (const { method, path, op } of operations()) {
      const name = `${method} ${path}`;
      const statuses = Object.keys(op.responses);
      if (bearer(op)) expect(op.responses[401]?.description, name).toContain("UNAUTHENTICATED");
      if (bearer(op) && method === "POST") {
        expect(op.responses[400]?.description, name).toContain("IDEMPOTENCY_KEY_INVALID");
        expect(op.responses[409]?.description, name).toContain("IDEMPOTENCY_KEY_IN_USE");
        expect(op.responses[422]?.description, name).toContain("IDEMPOTENCY_KEY_REUSED");
        const key = op.parameters?.find((p) => p.in === "header" && p.name === "idempotency-key");
        expect(key?.schema.pattern, name).toBe("^[\\x21-\\x7e]{1,255}$");
      }
      if (withBody(method)) expect(statuses, name).toContain("413");
      if ((op.parameters ?? []).length > 0 || op.requestBody) expect(statuses, name).toContain("422");
      if (path.startsWith("/v1/")) expect(op.responses[503]?.description, name).toContain("DATABASE_UNAVAILABLE");
      for (const status of ["423", "429", "503"].filter((s) => statuses.includes(s))) {
        expect(op.responses[status]?.headers, `${name} ${status}`).toHaveProperty("Retry-After");
      }
    }
  });

  it("answers only documented statuses when the middleware refuses a request", async () => {
    // Successes are kept under their key, so every other POST with the key is a reuse.
    const reusedKey = "reused-key";
    const first = await h.request("POST", "/v1/cards/setup", { token, headers: { "Idempotency-Key": reusedKey } });
    expect(first.status).toBe(201);
    const notJson = { "Content-Type": "text/plain" };
    for (const { method, path, op } of operations()) {
      if (!path.startsWith("/v1/") && !withBody(method)) continue;
      const url = examplePath(path, op);
      const probes: Response[] = [await h.request(method, url, { token: "not-a-jwt" })];
      if (withBody(method)) {
        probes.push(
          await h.request(method, url, { token, body: "{", headers: notJson }),
          await h.request(method, url, { token, body: "{" }),
          await h.request(method, url, { token, body: "[]" }),
        );
      }
      if (method === "POST") {
        probes.push(
          await h.request(method, url, { token, headers: { "Idempotency-Key": "has space" } }),
          await h.request(method, url, { token, headers: { "Idempotency-Key": reusedKey } }),
        );
      }
      for (const res of probes) {
        expect(Object.keys(op.responses), `${method} ${path} answered ${res.status}`).toContain(String(res.status));
      }
    }
  });

  it("marks Idempotency-Key required where the verb refuses to run without one, with the pattern the middleware checks", async () => {
    const requiredOn = operations()
      .filter(({ op }) => op.parameters?.some((p) => p.name === "idempotency-key" && p.required))
      .map(({ op }) => op.operationId);
    expect(requiredOn.sort()).toEqual(["createPayment", "payRequest"]);

    const key = doc.paths["/v1/threads"]?.post?.parameters?.find((p) => p.name === "idempotency-key");
    const pattern = new RegExp(String(key?.schema.pattern));
    for (const sent of ["k".repeat(255), "k".repeat(256), "has space", "é", "tab\tkey", "~!"]) {
      const res = await h.request("POST", "/v1/threads", { token, body: {}, headers: { "Idempotency-Key": sent } });
      const refused = res.status === 400 && ((await res.json()) as { code: string }).code === "IDEMPOTENCY_KEY_INVALID";
      expect(refused, JSON.stringify(sent)).toBe(!pattern.test(sent));
    }
  });

  it("names in Allow only the methods of routes that really serve the path", async () => {
    const setup = await h.request("GET", "/v1/cards/setup", { token });
    expect(setup.status).toBe(405);
    expect(setup.headers.get("Allow")).toBe("POST");
    for (const [path, item] of Object.entries(doc.paths)) {
      const methods = Object.keys(item).map((m) => m.toUpperCase());
      const expected = [...methods, ...(methods.includes("GET") ? ["HEAD"] : [])].sort().join(", ");
      const res = await h.request("PATCH", examplePath(path, Object.values(item)[0]), { token });
      expect(res.status, `PATCH ${path}`).toBe(405);
      expect(res.headers.get("Allow"), path).toBe(expected);
    }
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
