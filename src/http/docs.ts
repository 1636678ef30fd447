import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ErrorCode } from "../errors";
import type { AppEnv } from "./app-env";
import { PROBLEM_CONTENT_TYPE, PROBLEMS } from "./problem";

type Document = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;
type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: Body;
  responses?: Record<string, Body>;
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: unknown };
type Body = {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: unknown }>;
};

/** The problems the shared middleware can answer on an operation (method in capitals, OpenAPI path). */
export type MiddlewareProblems = (method: string, path: string) => ErrorCode[];

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const PROBLEM_SCHEMA = { $ref: "#/components/schemas/Problem" };
/** Statuses whose problems may say when to come back: PIN_LOCKED, every 429, every 503. */
const RETRY_AFTER_STATUSES = new Set(["423", "429", "503"]);

const openapiJson = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["Operations"],
  operationId: "getOpenApiDocument",
  summary: "This OpenAPI 3.1 document",
  security: [],
  responses: {
    200: {
      description: "OpenAPI document",
      content: { "application/json": { schema: z.looseObject({ openapi: z.string() }) } },
    },
  },
});

const docsPage = createRoute({
  method: "get",
  path: "/docs",
  tags: ["Operations"],
  operationId: "getApiReference",
  summary: "API reference rendered from the OpenAPI document",
  security: [],
  responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
});

/**
 * Serves the OpenAPI document and a self-contained reference page (no external assets). Routes
 * document what they answer themselves; what the shared middleware answers comes from
 * `middlewareProblems`, every route with parameters or a body can fail validation (422), and
 * one with path parameters can be sent a path no route matches (404).
 */
export function registerDocs(app: OpenAPIHono<AppEnv>, middlewareProblems: MiddlewareProblems): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("headers", "Retry-After", {
    description: "Seconds to wait before sending the same request again",
    schema: { type: "integer", minimum: 0 },
  });
  let cached: { doc: Document; html: string } | undefined;
  const build = () => {
    if (!cached) {
      const doc = app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Chat payments API",
          version: "1.0.0",
          description: "Send and request money inside chat threads. Errors are application/problem+json (RFC 9457).",
        },
        servers: [{ url: "/", description: "The origin serving this document" }],
      });
      addSharedResponses(doc, middlewareProblems);
      cached = { doc, html: renderDocs(doc) };
    }
    return cached;
  };
  app.openapi(openapiJson, (c) => c.json(build().doc, 200));
  app.openapi(docsPage, (c) =>
    c.html(build().html, 200, { "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'" }),
  );
}

/** Adds each status the operation's route does not document itself, and names every cause. */
function addSharedResponses(doc: Document, middlewareProblems: MiddlewareProblems): void {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const codes = new Set(middlewareProblems(method.toUpperCase(), path));
      if (op.parameters?.length || op.requestBody) codes.add("VALIDATION_FAILED");
      // An empty path parameter (or one holding a `/`) leaves the path matching no route.
      if (op.parameters?.some((p) => p.in === "path")) codes.add("ROUTE_NOT_FOUND");
      const causesByStatus = new Map<string, string[]>();
      for (const code of codes) {
        const status = String(PROBLEMS[code].status);
        causesByStatus.set(status, [...(causesByStatus.get(status) ?? []), `${PROBLEMS[code].title} (${code})`]);
      }
      const responses: Record<string, Body> = { ...op.responses };
      for (const [status, shared] of causesByStatus) {
        const causes = shared.join("; ");
        const own = responses[status];
        responses[status] = {
          ...own,
          description: own?.description ? `${own.description}; or ${causes}` : causes,
          content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_SCHEMA }, ...own?.content },
        };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (RETRY_AFTER_STATUSES.has(status)) {
          response.headers = { ...response.headers, "Retry-After": { $ref: "#/components/headers/Retry-After" } };
        }
      }
      op.responses = responses;
    }
  }
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

function schemaHtml(schema: unknown): string {
  const json = escapeHtml(JSON.stringify(schema, null, 2));
  return `<pre>${json.replace(/#\/components\/schemas\/(\w+)/g, '<a href="#schema-$1">$1</a>')}</pre>`;
}

function operationHtml(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? "yes" : "no"}</td><td>${escapeHtml(p.description ?? "")}</td></tr>`,
    )
    .join("");
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const schema = Object.values(r.content ?? {})[0]?.schema;
      return `<li><b>${status}</b> ${escapeHtml(r.description ?? "")}${schema ? schemaHtml(schema) : ""}</li>`;
    })
    .join("");
  return `<section class="op"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? "")}${op.security?.length ? " <em>(bearer token)</em>" : ""}</p>
${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>${params}</table>` : ""}
${body ? `<h4>Request body</h4>${schemaHtml(body)}` : ""}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

function renderDocs(doc: Document): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const operations = [...byTag].map(([tag, ops]) => `<h2>${escapeHtml(tag)}</h2>${ops.join("")}`).join("");
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${schemaHtml(schema)}</section>`,
    )
    .join("");
  const problems = Object.entries(PROBLEMS)
    .map(
      ([code, p]) =>
        `<tr id="${code}"><td><code>${code}</code></td><td>${p.status}</td><td>${escapeHtml(p.title)}</td></tr>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:0 auto;padding:1rem;color:#1c1e21}
pre{background:#f5f6f7;padding:.5rem;overflow:auto;font-size:12px}.op{border-top:1px solid #ddd;padding:.5rem 0}
.m{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;font-size:13px;padding:0 .3rem}
.get{background:#0a7d32}.post{background:#0866ff}.put,.patch{background:#b26b00}.delete{background:#c0392b}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}</style></head><body>
<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1><p>${escapeHtml(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;JWT&gt;</code>;
money-moving POSTs take an <code>Idempotency-Key</code>.</p>${operations}
<h2>Error codes</h2><table><tr><th>code</th><th>status</th><th>title</th></tr>${problems}</table>
<h2>Schemas</h2>${schemas}</body></html>`;
}
