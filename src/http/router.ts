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

/** Problem responses for the statuses a route can answer, for the OpenAPI document. */
export function problemResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Malformed request",
    401: "Missing or invalid bearer token",
    404: "Not found (or not yours)",
    409: "Conflict",
    413: "Body over 16 KiB",
    415: "Body is not JSON",
    422: "Validation failed",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? "Error", content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } } },
    ]),
  );
}

export const bearerSecurity = [{ bearerAuth: [] }];

export const IdempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: "Retries with the same key and body replay the first response (24 h)" }),
});
