import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorCode, type FieldError, type ProblemFields } from "../errors";
import { isDatabaseUnavailable } from "../platform/transient";
import type { AppEnv } from "./app-env";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
/** A restart or failover of Postgres takes seconds; clients come back after this. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

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
  DATABASE_UNAVAILABLE: { status: 503, title: "The database is unavailable; retry shortly" },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, title: "The request's headers are too large" },
  BAD_REQUEST: { status: 400, title: "The request is not valid HTTP" },
  INTERNAL: { status: 500, title: "Something went wrong on our side" },
  CONFIG_INVALID: { status: 500, title: "The service is misconfigured" },
  THREAD_NOT_FOUND: { status: 404, title: "Thread not found" },
  THREAD_MEMBERS_INVALID: { status: 422, title: "The thread's members are not valid" },
  UNKNOWN_USER: { status: 422, title: "Unknown user" },
  LEDGER_ACCOUNT_NOT_FOUND: { status: 404, title: "Ledger account not found" },
  PIN_NOT_SET: { status: 409, title: "Set a payment PIN first" },
  PIN_TOO_WEAK: { status: 422, title: "This PIN is too easy to guess" },
  PIN_INCORRECT: { status: 422, title: "Incorrect PIN" },
  PIN_LOCKED: { status: 423, title: "Too many incorrect PINs; try again later" },
  PIN_DISABLED: { status: 423, title: "Your PIN is disabled after too many incorrect attempts; reset it" },
  PIN_BUSY: { status: 429, title: "Too many PIN checks in progress; retry shortly" },
  DEVICE_NOT_FOUND: { status: 404, title: "Device not found" },
  DEVICE_ALREADY_REGISTERED: { status: 409, title: "This passkey is already registered" },
  DEVICE_LIMIT_REACHED: { status: 422, title: "You have the most devices allowed" },
  WEBAUTHN_VERIFICATION_FAILED: { status: 422, title: "The passkey response could not be verified" },
  CHALLENGE_NOT_FOUND: { status: 404, title: "Challenge not found" },
  CHALLENGE_EXPIRED: { status: 422, title: "The challenge has expired; ask for a new one" },
  CHALLENGE_ALREADY_USED: { status: 409, title: "The challenge was already used; ask for a new one" },
  CHALLENGE_MISMATCH: { status: 422, title: "The challenge was issued for something else" },
  CHALLENGE_LIMIT_REACHED: { status: 429, title: "Too many open challenges; use or let some expire" },
  CONFIRMABLE_NOT_FOUND: { status: 404, title: "Nothing to confirm here" },
  CONFIRMABLE_CHANGED: { status: 409, title: "It changed since the challenge was issued; confirm again" },
  CONFIRMATION_METHOD_NOT_ACCEPTED: { status: 422, title: "This confirmation method is not accepted here" },
  NO_CONFIRMATION_METHOD: { status: 409, title: "Set a payment PIN or register a device first" },
  RESET_PROOF_UNAVAILABLE: { status: 409, title: "This way of proving it is you is not available" },
  RESET_PROOF_FAILED: { status: 422, title: "That does not prove you hold an enrolled card" },
  STRIPE_UNAVAILABLE: { status: 503, title: "The card processor is unavailable; retry shortly" },
  SETUP_INTENT_NOT_FOUND: { status: 404, title: "Card setup not found" },
  SETUP_INCOMPLETE: { status: 409, title: "The card setup has not finished" },
  CARD_DECLINED: { status: 422, title: "The card was declined" },
  CARD_NOT_DEBIT: { status: 422, title: "Only debit cards can be used" },
  CARD_EXPIRED: { status: 422, title: "The card has expired" },
  CARD_ALREADY_ENROLLED: { status: 409, title: "This card is already on your account" },
  CARD_LIMIT_REACHED: { status: 422, title: "You have the most cards allowed" },
  CARD_NOT_FOUND: { status: 404, title: "Card not found" },
  PAYOUT_CARD_REFUSED: { status: 422, title: "This card cannot receive payouts" },
  WEBHOOK_SIGNATURE_INVALID: { status: 400, title: "The webhook signature is not valid" },
  TOO_MANY_STREAMS: { status: 429, title: "Too many open event streams" },
  PAYMENT_NOT_FOUND: { status: 404, title: "Payment not found" },
  RECIPIENT_NOT_IN_THREAD: { status: 422, title: "The recipient is not in this thread" },
  CANNOT_PAY_SELF: { status: 422, title: "You cannot pay yourself" },
  CURRENCY_NOT_SUPPORTED: { status: 422, title: "This currency is not supported" },
  MEMO_CONTAINS_CARD_NUMBER: { status: 422, title: "The memo looks like it contains a card number" },
  LIMIT_EXCEEDED: { status: 422, title: "This would go over a sending limit" },
  TOO_MANY_PENDING_PAYMENTS: { status: 429, title: "Too many payments wait for confirmation" },
  NO_FUNDING_SOURCE: { status: 422, title: "Add a debit card to send money" },
  PAYMENT_EXPIRED: { status: 409, title: "This payment expired before it was confirmed" },
  PAYMENT_NOT_CANCELABLE: { status: 409, title: "This payment can no longer be canceled" },
  PAYMENT_NOT_DECLINABLE: { status: 409, title: "This payment can no longer be declined" },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: "This request needs an Idempotency-Key header" },
  REQUEST_NOT_FOUND: { status: 404, title: "Request not found" },
  REQUEST_NOT_OPEN: { status: 409, title: "This request is no longer open" },
  REQUEST_SHARES_INVALID: { status: 422, title: "The request's split is not valid" },
  PAYMENT_BLOCKED: { status: 422, title: "This payment cannot be made (see the detail for why)" },
  RISK_WARNINGS_NOT_ACKNOWLEDGED: { status: 409, title: "Read and acknowledge the payment's warnings first" },
  PASSKEY_REQUIRED: { status: 403, title: "Confirm this payment with your passkey" },
  PAYMENT_NOT_HELD: { status: 409, title: "This payment is not held" },
  REPORT_NOT_FOUND: { status: 404, title: "Report not found" },
  REPORT_NOT_ALLOWED: { status: 422, title: "This cannot be reported this way" },
  REPORT_ALREADY_RESOLVED: { status: 409, title: "This report is already resolved" },
  PERSON_NOT_FOUND: { status: 404, title: "Person not found" },
  CONTACT_NOT_ALLOWED: { status: 403, title: "This person does not accept this from you" },
  CONSENT_REQUIRED: { status: 403, title: "Agree to this first (see the problem's purpose)" },
  CONSENT_NOT_FOUND: { status: 404, title: "You have no standing agreement to this" },
  TERMS_VERSION_UNKNOWN: { status: 422, title: "These are not the current terms" },
  ACCOUNT_CLOSE_BLOCKED: { status: 409, title: "The account cannot be closed yet (see the problem's reasons)" },
  BANK_PARTNER_NOT_FOUND: { status: 404, title: "Bank not found" },
  BANK_LINK_NOT_FOUND: { status: 404, title: "Bank link not found" },
  BANK_LINK_NOT_ACTIVE: { status: 409, title: "This bank link is not active" },
  BANK_OAUTH_STATE_INVALID: { status: 422, title: "The bank's answer matches no link you started" },
  BANK_AUTHORIZATION_FAILED: { status: 422, title: "The bank did not authorize the link" },
  BANK_UNAVAILABLE: { status: 503, title: "The bank is unavailable; retry shortly" },
  BANK_RATE_LIMITED: { status: 429, title: "The bank asks us to slow down; retry shortly" },
  BANK_SCOPE_NOT_GRANTED: { status: 403, title: "You did not allow this when you linked the bank" },
  BANK_STEP_UP_REQUIRED: { status: 403, title: "Confirm it is you (PIN or passkey) first" },
  BANK_WEBHOOK_STALE: { status: 400, title: "The bank event is too old or from the future" },
  BANK_ALERT_NOT_FOUND: { status: 404, title: "Alert not found" },
  BANK_ALERT_ANSWERED: { status: 409, title: "This alert was already answered" },
  BANK_LINKING_NOT_CONFIGURED: { status: 503, title: "Bank linking is not configured on this server" },
  THREAD_WRITES_THROUGH_LINK: {
    status: 409,
    title: "Write in this thread through its link (a bank's: its messages route)",
  },
};

type ProblemOptions = {
  detail?: string;
  errors?: FieldError[];
  fields?: ProblemFields;
  headers?: Record<string, string>;
};

/** The RFC 9457 body for a code, for the app's answers and for what the server answers before the app runs. */
export function problemBody(code: ErrorCode, requestId: string, options: Omit<ProblemOptions, "headers"> = {}) {
  const { status, title } = PROBLEMS[code];
  return {
    // Extensions first, so they can never overwrite a standard member.
    ...options.fields,
    type: `/docs#${code}`,
    title,
    status,
    detail: options.detail ?? title,
    code,
    request_id: requestId,
    ...(options.errors ? { errors: options.errors } : {}),
  };
}

/** Builds an RFC 9457 problem response and records its code for middleware that looks at outcomes. */
export function problem(c: Context<AppEnv>, code: ErrorCode, options: ProblemOptions = {}): Response {
  c.set("problemCode", code);
  const body = problemBody(code, c.get("requestId"), options);
  // A body refused before it was read is still on the wire: say the connection ends here.
  const headers: Record<string, string> = { "Content-Type": PROBLEM_CONTENT_TYPE, ...options.headers };
  if (code === "PAYLOAD_TOO_LARGE") headers.Connection = "close";
  return c.body(JSON.stringify(body), PROBLEMS[code].status, headers);
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) {
    const headers = err.retryAfterSeconds === undefined ? undefined : { "Retry-After": String(err.retryAfterSeconds) };
    return problem(c, err.code, { detail: err.detail, errors: err.errors, fields: err.fields, headers });
  }
  if (isDatabaseUnavailable(err)) {
    c.get("deps").logger.warn({ request_id: c.get("requestId"), err }, "database unavailable");
    return problem(c, "DATABASE_UNAVAILABLE", { headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) } });
  }
  // Hono's own refusals: a body over the limit, or a body its validator could not parse as JSON.
  if (err instanceof HTTPException && err.status === 413) return problem(c, "PAYLOAD_TOO_LARGE");
  if (err instanceof HTTPException && err.status === 400) return problem(c, "MALFORMED_JSON");
  c.get("deps").logger.error({ request_id: c.get("requestId"), err }, "unhandled error");
  return problem(c, "INTERNAL", {
    detail: `Unexpected error; quote request id ${c.get("requestId")} when reporting it`,
  });
};
