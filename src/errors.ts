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
  "DATABASE_UNAVAILABLE",
  "REQUEST_HEADERS_TOO_LARGE",
  "BAD_REQUEST",
  "INTERNAL",
  "CONFIG_INVALID",
  "THREAD_NOT_FOUND",
  "THREAD_MEMBERS_INVALID",
  "UNKNOWN_USER",
  "LEDGER_ACCOUNT_NOT_FOUND",
  "PIN_NOT_SET",
  "PIN_TOO_WEAK",
  "PIN_INCORRECT",
  "PIN_LOCKED",
  "PIN_DISABLED",
  "PIN_BUSY",
  "DEVICE_NOT_FOUND",
  "DEVICE_ALREADY_REGISTERED",
  "DEVICE_LIMIT_REACHED",
  "WEBAUTHN_VERIFICATION_FAILED",
  "CHALLENGE_NOT_FOUND",
  "CHALLENGE_EXPIRED",
  "CHALLENGE_ALREADY_USED",
  "CHALLENGE_MISMATCH",
  "CHALLENGE_LIMIT_REACHED",
  "CONFIRMABLE_NOT_FOUND",
  "CONFIRMABLE_CHANGED",
  "CONFIRMATION_METHOD_NOT_ACCEPTED",
  "NO_CONFIRMATION_METHOD",
  "RESET_PROOF_UNAVAILABLE",
  "RESET_PROOF_FAILED",
  "STRIPE_UNAVAILABLE",
  "SETUP_INTENT_NOT_FOUND",
  "SETUP_INCOMPLETE",
  "CARD_DECLINED",
  "CARD_NOT_DEBIT",
  "CARD_EXPIRED",
  "CARD_ALREADY_ENROLLED",
  "CARD_LIMIT_REACHED",
  "CARD_NOT_FOUND",
  "PAYOUT_CARD_REFUSED",
  "WEBHOOK_SIGNATURE_INVALID",
  "TOO_MANY_STREAMS",
  "PAYMENT_NOT_FOUND",
  "RECIPIENT_NOT_IN_THREAD",
  "CANNOT_PAY_SELF",
  "CURRENCY_NOT_SUPPORTED",
  "MEMO_CONTAINS_CARD_NUMBER",
  "LIMIT_EXCEEDED",
  "TOO_MANY_PENDING_PAYMENTS",
  "NO_FUNDING_SOURCE",
  "PAYMENT_EXPIRED",
  "PAYMENT_NOT_CANCELABLE",
  "PAYMENT_NOT_DECLINABLE",
  "IDEMPOTENCY_KEY_REQUIRED",
  "REQUEST_NOT_FOUND",
  "REQUEST_NOT_OPEN",
  "REQUEST_SHARES_INVALID",
  "PAYMENT_BLOCKED",
  "RISK_WARNINGS_NOT_ACKNOWLEDGED",
  "PASSKEY_REQUIRED",
  "PAYMENT_NOT_HELD",
  "REPORT_NOT_FOUND",
  "REPORT_NOT_ALLOWED",
  "REPORT_ALREADY_RESOLVED",
  "PERSON_NOT_FOUND",
  "CONTACT_NOT_ALLOWED",
  "CONSENT_REQUIRED",
  "CONSENT_NOT_FOUND",
  "TERMS_VERSION_UNKNOWN",
  "ACCOUNT_CLOSE_BLOCKED",
  "BANK_PARTNER_NOT_FOUND",
  "BANK_LINK_NOT_FOUND",
  "BANK_LINK_NOT_ACTIVE",
  "BANK_OAUTH_STATE_INVALID",
  "BANK_AUTHORIZATION_FAILED",
  "BANK_UNAVAILABLE",
  "BANK_RATE_LIMITED",
  "BANK_SCOPE_NOT_GRANTED",
  "BANK_STEP_UP_REQUIRED",
  "BANK_WEBHOOK_STALE",
  "BANK_ALERT_NOT_FOUND",
  "BANK_ALERT_ANSWERED",
  "BANK_LINKING_NOT_CONFIGURED",
  "THREAD_WRITES_THROUGH_LINK",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type FieldError = { path: string; message: string };

/** Extra members a client acts on (RFC 9457 extensions), e.g. `attempts_remaining`; never secrets. */
export type ProblemFields = Record<string, string | number | boolean | null>;

/** A domain error: a stable code, a human detail, never an HTTP status (http/problem.ts maps those). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly fields: ProblemFields | undefined;
  /** When the same request may succeed again; answered as a Retry-After header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    options: {
      detail?: string;
      errors?: FieldError[];
      fields?: ProblemFields;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.detail = options.detail;
    this.errors = options.errors;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
