/**
 * The API's response shapes as this client uses them (snake_case, as on the wire). Written by
 * hand, as any client of the published OpenAPI document would; src/web/api-contract.test.ts
 * checks at type level that they still match the server's schemas.
 */

export type User = { id: string; handle: string | null; display_name: string };

export type DevSession = { token: string; token_type: "Bearer"; expires_at: string; user: User };

export type Thread = {
  id: string;
  kind: "direct" | "group";
  title: string | null;
  members: User[];
  created_at: string;
};

export type Page<T> = { items: T[]; next_cursor: string | null };

export type Message = {
  id: string;
  thread_id: string;
  sender_id: string;
  kind: "text" | "payment" | "request";
  body: string;
  payment_id: string | null;
  request_id: string | null;
  created_at: string;
};

export type PaymentStatus =
  | "requires_confirmation"
  | "processing"
  | "requires_action"
  | "awaiting_recipient"
  | "paying_out"
  | "paid_out"
  | "failed"
  | "canceled"
  | "declined"
  | "expired"
  | "refunded";

export type PaymentAction = "confirm" | "cancel" | "decline" | "add_card_to_receive";

export type Payment = {
  id: string;
  thread_id: string;
  sender_id: string;
  recipient_id: string;
  request_id: string | null;
  amount_minor: number;
  currency: string;
  memo: string | null;
  status: PaymentStatus;
  funding: "wallet" | "card" | null;
  failure: { code: string; message: string } | null;
  /** client_secret is null in live events: GET the payment for it (it is never stored). */
  next_action: { type: "authenticate_card"; payment_intent_id: string; client_secret: string | null } | null;
  confirm_by: string;
  claim_by: string | null;
  created_at: string;
  updated_at: string;
  actions: PaymentAction[];
};

export type ConfirmationMethod = { method: string; prompt: Record<string, unknown> };

export type ConfirmationChallenge = { challenge_id: string; expires_at: string; methods: ConfirmationMethod[] };

/** What sending (or paying a request) answers: the payment and how to confirm it. */
export type CreatedPayment = { payment: Payment; confirmation: ConfirmationChallenge | null };

export type RequestShare = {
  payer_id: string;
  amount_minor: number;
  status: "pending" | "paying" | "paid" | "declined";
  payment_id: string | null;
};

export type PaymentRequest = {
  id: string;
  thread_id: string;
  author_id: string;
  amount_minor: number;
  currency: string;
  memo: string | null;
  status: "open" | "completed" | "canceled" | "expired";
  expires_at: string;
  shares: RequestShare[];
  created_at: string;
};

export type Receipt = {
  payment: Payment;
  from: string;
  to: string;
  timeline: { status: string; at: string }[];
};

export type CardSetup = {
  setup_intent_id: string;
  client_secret: string;
  publishable_key: string | null;
  mode: "live" | "emulator";
  emulator: {
    test_payment_methods: string[];
    payout_tokens: string[];
    confirm_path: string;
    authenticate_path: string;
    browser_base_path: string;
  } | null;
};

export type Card = {
  id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: "debit";
  country: string | null;
  is_default: boolean;
  receives_payouts: boolean;
  created_at: string;
};

export type PayoutDestination = {
  state: "ready" | "needs_card" | "restricted";
  detail: string;
  card: { id: string; brand: string; last4: string } | null;
};

export type PinStatus = {
  state: "not_set" | "active" | "locked" | "disabled";
  attempts_remaining: number;
  locked_until: string | null;
  updated_at: string | null;
  reset_at: string | null;
  reduced_limits_until: string | null;
};

export type Device = {
  id: string;
  name: string;
  transports: string[];
  backed_up: boolean;
  created_at: string;
  last_used_at: string | null;
};

export type RegistrationOptions = {
  challenge_id: string;
  expires_at: string;
  options: { challenge: string; [key: string]: unknown };
};

export type SecurityEvent = {
  id: string;
  kind: string;
  detail: Record<string, string | number | boolean | null>;
  created_at: string;
};

/** RFC 9457 problem, with the extensions this API adds. */
export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  request_id?: string;
  errors?: { path: string; message: string }[];
  attempts_remaining?: number;
  locked_until?: string;
};

/** What the live event stream carries, by event type. */
export type LiveEvent =
  | { type: "thread.created"; data: Thread }
  | { type: "message.created"; data: Message }
  | { type: "payment.updated"; data: Payment }
  | { type: "request.updated"; data: PaymentRequest };
