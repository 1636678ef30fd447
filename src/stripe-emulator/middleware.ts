import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { canonicalJson } from "../platform/canonical-json";
import { parseForm } from "./form";
import * as o from "./objects";
import { fail } from "./responses";
import type { EmulatorEnv, EmulatorStore, Fault } from "./store";

/** What the middleware leaves on every `/v1` request's context for the routes. */
/**
 * What every `/v1` request goes through before and after its route: the API key, an
 * injected fault, the form (query or body), Stripe-Account, Idempotency-Key replay and
 * `expand[]`.
 */
export function apiMiddleware(store: EmulatorStore): MiddlewareHandler<EmulatorEnv> {
  return async (c, next) => {
    c.header("Request-Id", o.stripeId("req"));
    const auth = c.req.header("Authorization") ?? "";
    if (!/^Bearer (sk|pk|rk)_test_\w+$/.test(auth)) {
      return fail(c, 401, { type: "invalid_request_error", message: "Invalid API Key provided" });
    }
    const fault = store.takeFault(`${c.req.method} ${c.req.path}`);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status) return faultResponse(c, fault.status);

    const text = c.req.method === "GET" || c.req.method === "DELETE" ? "" : await c.req.text();
    c.set("form", parseForm(new URLSearchParams(c.req.method === "GET" ? new URL(c.req.url).search : text)));
    c.set("account", c.req.header("Stripe-Account"));
    const key = c.req.header("Idempotency-Key");
    if (c.req.method !== "POST" || !key) {
      await next();
      await expand(c, store);
      return;
    }
    const fingerprint = `${c.req.method} ${c.req.path} ${canonicalJson(c.get("form"))}`;
    const previous = store.idempotency.get(key);
    if (previous && previous.fingerprint !== fingerprint) {
      return fail(c, 400, {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    if (previous) {
      return c.body(previous.body, previous.status as ContentfulStatusCode, {
        "Content-Type": "application/json",
        "Idempotent-Replayed": "true",
      });
    }
    c.set("idempotencyKey", key);
    await next();
    await expand(c, store);
    if (c.res.status < 500)
      store.idempotency.set(key, { fingerprint, status: c.res.status, body: await c.res.clone().text() });
  };
}

const faultResponse = (c: Context, status: NonNullable<Fault["status"]>) => {
  if (status === 429) {
    // As Stripe does for lock timeouts: the SDK retries when told it is safe to.
    c.header("Stripe-Should-Retry", "true");
    return fail(c, 429, {
      type: "invalid_request_error",
      code: "lock_timeout",
      message: "This object cannot be accessed right now because another API request is accessing it.",
    });
  }
  return fail(c, status, { type: "api_error", message: "An unknown error occurred" });
};

/** Stripe's `expand[]`: ids of related objects replaced by the objects (one level, top-level fields). */
const expand = async (c: Context<EmulatorEnv>, store: EmulatorStore) => {
  const fields = c.get("form").expand;
  if (!Array.isArray(fields) || c.res.status !== 200) return;
  const body = (await c.res.clone().json()) as Record<string, unknown>;
  for (const field of fields) {
    const id = typeof field === "string" ? body[field] : undefined;
    const found = typeof id === "string" ? store.get(id) : undefined;
    if (found) body[field as string] = found;
  }
  c.res = new Response(JSON.stringify(body), { status: 200, headers: c.res.headers });
};
