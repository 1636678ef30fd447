/** Every error code the service can answer with; features add theirs here so the catalogue stays one list. */
export const ERROR_CODES = [
  "VALIDATION_FAILED",
  "MALFORMED_JSON",
  "UNSUPPORTED_MEDIA_TYPE",
  "PAYLOAD_TOO_LARGE",
  "ROUTE_NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "UNAUTHENTICATED",
  "IDEMPOTENCY_KEY_INVALID",
  "IDEMPOTENCY_KEY_REUSED",
  "IDEMPOTENCY_KEY_IN_USE",
  "NOT_READY",
  "INTERNAL",
  "THREAD_NOT_FOUND",
  "THREAD_MEMBERS_INVALID",
  "UNKNOWN_USER",
  "LEDGER_ACCOUNT_NOT_FOUND",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type FieldError = { path: string; message: string };

/** A domain error: a stable code, a human detail, never an HTTP status (http/problem.ts maps those). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;

  constructor(code: ErrorCode, options: { detail?: string; errors?: FieldError[]; cause?: unknown } = {}) {
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.detail = options.detail;
    this.errors = options.errors;
  }
}
