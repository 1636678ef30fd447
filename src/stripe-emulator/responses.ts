import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { int, str } from "./form";
import * as o from "./objects";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

const PAGE_LIMIT_MAX = 100;

/** Stripe's error body: the error with the links Stripe adds. */
export const fail = (c: Context, status: number, error: o.StripeError & Record<string, unknown>) =>
  c.json(
    {
      error: {
        ...error,
        doc_url: `https://stripe.com/docs/error-codes/${error.code ?? error.type}`,
        request_log_url: null,
      },
    },
    status as ContentfulStatusCode,
  );

export const missing = (c: Context, id: string, param = "id") =>
  fail(c, 404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such object: '${id}'`,
  });

export const invalid = (c: Context, message: string, param?: string) =>
  fail(c, 400, { type: "invalid_request_error", message, ...(param ? { param } : {}) });

/** A page of `all` as Stripe lists: `limit` (capped), `starting_after`, `has_more`. */
export const listOf = (c: Context<EmulatorEnv>, url: string, all: Stored[]) => {
  const form = c.get("form");
  const limit = Math.min(int(form, "limit") ?? 10, PAGE_LIMIT_MAX);
  const after = str(form, "starting_after");
  const start = after ? all.findIndex((x) => x.id === after) + 1 : 0;
  const page = all.slice(start, start + limit);
  return c.json(o.list(url, page, start + limit < all.length));
};

/** The handler of `GET /v1/<objects>/:id`: the stored `object` with that id, or Stripe's 404. */
export const retrieve =
  (store: EmulatorStore, object: string) =>
  (c: Context<EmulatorEnv, "/:id">): Response => {
    const found = store.get(c.req.param("id"), object);
    return found ? c.json(found) : missing(c, c.req.param("id"));
  };
