import { OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "../errors";
import type { AppEnv } from "./app-env";
import { PROBLEM_CONTENT_TYPE } from "./problem";

/** A feature's router: request validation failures become one 422 problem listing every field. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      throw new AppError("VALIDATION_FAILED", {
        errors: result.error.issues.map((issue) => ({
          path: issue.path.join(".") || "(body)",
          message: issue.message,
        })),
      });
    },
  });
}

/** A JSON body or answer of this schema, as a route declares it for the OpenAPI document. */
export const json = <T>(schema: T) => ({ "application/json": { schema } });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/** The statuses a route's own work can answer, described for the OpenAPI document. */
const ROUTE_STATUSES = {
  400: "Bad request",
  403: "Not allowed by the person's choices (see the problem's code)",
  404: "Not found (or not yours)",
  409: "Conflict with the current state",
  422: "Refused (see the problem's code)",
  423: "Locked",
  429: "Too many at once",
  503: "Temporarily unavailable",
};

/**
 * Problem responses for the statuses a route's own work can answer, for the OpenAPI document.
 * What the shared middleware answers (401, 413, 415, malformed JSON, validation, idempotency,
 * an unavailable database...) is added to every operation when the document is built (docs.ts).
 */
export function problemResponses(...statuses: (keyof typeof ROUTE_STATUSES)[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ROUTE_STATUSES[status], content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } } },
    ]),
  );
}

export const bearerSecurity = [{ bearerAuth: [] }];

/** The keys the idempotency middleware (idempotency.ts) accepts; it answers 400 to any other. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Every authenticated POST accepts one (the middleware checks the pattern before the route runs). */
export const idempotencyKey = z.string().min(1).max(255).optional().openapi({
  pattern: IDEMPOTENCY_KEY_PATTERN.source,
  description: "1-255 printable ASCII characters; retries with the same key and body replay the first response (24 h)",
});

export const IdempotencyKeyHeader = z.object({ "idempotency-key": idempotencyKey });
