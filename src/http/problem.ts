import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorCode, type FieldError } from "../errors";
import type { AppEnv } from "./app-env";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The single place where an error code becomes an HTTP status and a title. */
export const PROBLEMS: Record<ErrorCode, { status: ContentfulStatusCode; title: string }> = {
  VALIDATION_FAILED: { status: 422, title: "The request is not valid" },
  MALFORMED_JSON: { status: 400, title: "The request body is not valid JSON" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Send the request body as application/json" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such route" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed on this route" },
  UNAUTHENTICATED: { status: 401, title: "A valid bearer token is required" },
  IDEMPOTENCY_KEY_INVALID: { status: 400, title: "The Idempotency-Key header is not valid" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: "This Idempotency-Key was used with a different request" },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: "A request with this Idempotency-Key is still in progress" },
  NOT_READY: { status: 503, title: "The service is not ready" },
  INTERNAL: { status: 500, title: "Something went wrong on our side" },
  THREAD_NOT_FOUND: { status: 404, title: "Thread not found" },
  THREAD_MEMBERS_INVALID: { status: 422, title: "The thread's members are not valid" },
  UNKNOWN_USER: { status: 422, title: "Unknown user" },
  LEDGER_ACCOUNT_NOT_FOUND: { status: 404, title: "Ledger account not found" },
};

/** Builds an RFC 9457 problem response and records its code for middleware that looks at outcomes. */
export function problem(
  c: Context<AppEnv>,
  code: ErrorCode,
  options: { detail?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const { status, title } = PROBLEMS[code];
  c.set("problemCode", code);
  const body = {
    type: `/docs#${code}`,
    title,
    status,
    detail: options.detail ?? title,
    code,
    request_id: c.get("requestId"),
    ...(options.errors ? { errors: options.errors } : {}),
  };
  return c.body(JSON.stringify(body), status, { "Content-Type": PROBLEM_CONTENT_TYPE, ...options.headers });
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) return problem(c, err.code, { detail: err.detail, errors: err.errors });
  if (err instanceof HTTPException && err.status === 413) return problem(c, "PAYLOAD_TOO_LARGE");
  c.get("deps").logger.error({ request_id: c.get("requestId"), err }, "unhandled error");
  return problem(c, "INTERNAL", {
    detail: `Unexpected error; quote request id ${c.get("requestId")} when reporting it`,
  });
};
