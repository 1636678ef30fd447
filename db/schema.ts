import type { ColumnType, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date, never>;

export type UsersTable = {
  id: string;
  handle: string | null;
  display_name: string;
  created_at: Timestamp;
};

export type ThreadsTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  kind: "direct" | "group" | "bank";
  title: string | null;
  direct_key: string | null;
  created_by: string;
  created_at: Timestamp;
};

export type ThreadMembersTable = {
  thread_id: string;
  user_id: string;
  joined_at: Timestamp;
};

export type MessagesTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  thread_id: string;
  sender_id: string;
  /** `notice`: written by the service itself (sender `platform`), e.g. a dispute's progress. */
  kind: "text" | "payment" | "request" | "notice";
  body: string;
  payment_id: ColumnType<string | null, string | null | undefined, never>;
  request_id: ColumnType<string | null, string | null | undefined, never>;
  /** While set, only this person sees the message (a payment's, until it is confirmed). */
  visible_only_to: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
};

export type IdempotencyKeysTable = {
  user_id: string;
  key: string;
  fingerprint: string;
  state: "in_flight" | "completed";
  response_status: number | null;
  response_body: string | null;
  response_content_type: string | null;
  locked_at: Date;
  created_at: Timestamp;
  expires_at: Date;
};

export type LedgerAccountsTable = {
  id: string;
  owner_id: string;
  purpose: string;
  currency: string;
  debits_must_not_exceed_credits: boolean;
  debits_pending: ColumnType<bigint, bigint | undefined, bigint>;
  debits_posted: ColumnType<bigint, bigint | undefined, bigint>;
  credits_pending: ColumnType<bigint, bigint | undefined, bigint>;
  credits_posted: ColumnType<bigint, bigint | undefined, bigint>;
  created_at: Timestamp;
};

export type TransferKind = "posted" | "pending" | "post_pending" | "void_pending" | "expire_pending";
export type PendingState = "pending" | "posted" | "voided" | "expired";

export type LedgerTransfersTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  kind: TransferKind;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  pending_id: string | null;
  state: PendingState | null;
  expires_at: Date | null;
  reference: string | null;
  metadata: ColumnType<Record<string, unknown>, string, never>;
  created_at: Timestamp;
  resolved_at: Date | null;
};

export type LedgerBalancesTable = {
  account_id: string;
  transfer_seq: bigint;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
};

export type StripeCustomersTable = { user_id: string; customer_id: string; created_at: Timestamp };

export type CardsTable = {
  id: string;
  user_id: string;
  payment_method_id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: "debit";
  country: string | null;
  fingerprint: string;
  is_default: boolean;
  created_at: Timestamp;
  removed_at: Date | null;
};

export type PayoutDestinationsTable = {
  user_id: string;
  account_id: string;
  external_account_id: string | null;
  card_id: string | null;
  state: "ready" | "needs_card" | "restricted";
  restricted_reason: string | null;
  updated_at: Date;
};

export type StripeEventsTable = {
  event_id: string;
  type: string;
  object_id: string;
  account_id: string | null;
  received_at: Timestamp;
};

export type SecurityEventKind =
  | "pin_set"
  | "pin_changed"
  | "pin_failed"
  | "pin_locked"
  | "pin_disabled"
  | "pin_reset"
  | "device_added"
  | "device_removed"
  | "confirmation_succeeded"
  | "card_added"
  | "card_removed";

export type PaymentPinsTable = {
  user_id: string;
  pin_hash: string;
  pepper_version: number;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_until: Date | null;
  disabled_at: Date | null;
  last_failed_at: Date | null;
  reset_at: Date | null;
  created_at: Timestamp;
  updated_at: Date;
};

export type WebauthnCredentialsTable = {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Uint8Array;
  counter: bigint;
  transports: string[];
  aaguid: string;
  backed_up: boolean;
  name: string;
  created_at: Timestamp;
  last_used_at: Date | null;
};

export type ChallengePurpose = "device_registration" | "pin_reset" | "confirmation";

export type SecurityChallengesTable = {
  id: string;
  user_id: string;
  purpose: ChallengePurpose;
  challenge_hash: string;
  methods: string[];
  object_kind: string | null;
  object_id: string | null;
  binding_hash: string | null;
  /** Per method or proof name, what it must remember between issuing and checking. */
  context: ColumnType<Record<string, Record<string, string>>, string, never>;
  created_at: Timestamp;
  expires_at: Date;
  used_at: Date | null;
};

export type SecurityEventsTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  user_id: string;
  kind: SecurityEventKind;
  detail: ColumnType<Record<string, string | number | boolean | null>, string, never>;
  created_at: Timestamp;
};

/** A live event for one person; the stream reads them in (tx_id, id) order (see the migration). */
export type UserEventsTable = {
  id: ColumnType<bigint, never, never>;
  user_id: string;
  type: string;
  data: ColumnType<Record<string, unknown>, string, never>;
  /** xid8, read as its decimal text. */
  tx_id: ColumnType<string, never, never>;
  created_at: Timestamp;
};

/** A payment's states: the one list the schemas, the API and the web client take theirs from (the migrations keep their own frozen copy). */
export const PAYMENT_STATUSES = [
  "requires_confirmation",
  "processing",
  "requires_action",
  "awaiting_recipient",
  "paying_out",
  "paid_out",
  "failed",
  "canceled",
  "declined",
  "expired",
  "refunded",
  // Risk: confirmed, the money held in the ledger for a delay window or an operator's review.
  "held",
] as const;

export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export type PaymentsTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  thread_id: string;
  sender_id: string;
  recipient_id: string;
  request_id: string | null;
  amount_minor: bigint;
  currency: string;
  memo: string | null;
  status: PaymentStatus;
  funding: "wallet" | "card" | null;
  card_id: string | null;
  payment_intent_id: string | null;
  payout_id: string | null;
  payout_attempts: ColumnType<number, number | undefined, number>;
  /** The current payout attempt's Stripe transfer, until the attempt ends. */
  payout_transfer_id: ColumnType<string | null, string | null | undefined, string | null>;
  refund_state: "pending" | "succeeded" | null;
  refund_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  idempotency_key: string;
  confirm_by: Date;
  claim_by: Date | null;
  /** The risk decision's outcome (the latest, create's then confirm's); null for payments made before risk. */
  risk_outcome: ColumnType<RiskOutcome | null, RiskOutcome | null | undefined, RiskOutcome | null>;
  /** What the sender must acknowledge before confirming. */
  risk_warnings: ColumnType<RiskWarning[], string | undefined, string>;
  risk_acknowledged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** A delayed payment moves then (the sweep); null while held for review. */
  held_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Timestamp;
  updated_at: Date;
};

export type PaymentRequestsTable = {
  id: string;
  thread_id: string;
  author_id: string;
  amount_minor: bigint;
  currency: string;
  memo: string | null;
  status: "open" | "completed" | "canceled" | "expired";
  expires_at: Date;
  created_at: Timestamp;
  updated_at: Date;
};

export type PaymentRequestSharesTable = {
  request_id: string;
  payer_id: string;
  amount_minor: bigint;
  status: "pending" | "paying" | "paid" | "declined";
  payment_id: string | null;
  updated_at: Date;
};

export type PaymentAuditTable = {
  id: ColumnType<bigint, never, never>;
  payment_id: string;
  from_status: string | null;
  to_status: string;
  actor_id: string | null;
  detail: ColumnType<Record<string, unknown>, string, never>;
  created_at: Timestamp;
};

/** A failed payout attempt's transfer, to be reversed at Stripe. */
export type PayoutReversalsTable = {
  transfer_id: string;
  payment_id: string;
  attempt: number;
  state: "pending" | "done";
  reversal_id: string | null;
  failures: ColumnType<number, number | undefined, number>;
  created_at: Date;
  updated_at: Date;
};

/** A Stripe dispute of a card payment's charge, and the part of the recipient's wallet it holds back. */
export type PaymentDisputesTable = {
  /** Stripe's dispute id. */
  id: string;
  payment_id: string;
  amount_minor: bigint;
  currency: string;
  reason: string;
  status: "open" | "won" | "lost";
  held_minor: bigint;
  opened_at: Date;
  closed_at: Date | null;
};

// --- privacy: who may reach a person, what they agreed to, and closed accounts ---

/** Who may do something with a person: anyone, only people they have paid, or no one. */
export const AUDIENCES = ["everyone", "people_i_paid", "nobody"] as const;
export type Audience = (typeof AUDIENCES)[number];

export type PrivacySettingsTable = {
  user_id: string;
  requests_from: Audience;
  threads_from: Audience;
  updated_at: Date;
};

/** One agreement: open while withdrawn_at is null; withdrawing closes it, agreeing again opens a new row. */
export type ConsentsTable = {
  id: string;
  user_id: string;
  purpose: string;
  version: string | null;
  granted_at: Date;
  withdrawn_at: Date | null;
};

/** A closed, pseudonymised account: only the former-user id that replaced the person's, until its purge. */
export type ClosedAccountsTable = {
  former_id: string;
  closed_at: Date;
  purge_after: Date;
  stripe_cleanup: ColumnType<StripeCleanup | null, string | null, string | null>;
};

/** What closing an account still has to delete at Stripe: the person's cards, customer and payout account. */
export type StripeCleanup = {
  payment_method_ids: string[];
  customer_id: string | null;
  account_id: string | null;
};

// --- Risk (issue 17): decisions from versioned rules, holds, reports, profiles, operator audit ---

export const RISK_OUTCOMES = ["allow", "warn", "step_up", "delay", "review", "block"] as const;
export type RiskOutcome = (typeof RISK_OUTCOMES)[number];
export type RiskWarning = { code: string; message: string };
export type RiskTier = "unverified" | "verified";

export type RiskRuleSetsTable = { version: number; note: string; created_at: Timestamp };

export type RiskRulesTable = {
  version: number;
  code: string;
  kind: string;
  outcome: RiskOutcome;
  message: string;
  params: ColumnType<Record<string, unknown>, string, never>;
  tier: RiskTier | null;
};

export type RiskDecisionsTable = {
  id: ColumnType<bigint, never, never>;
  payment_id: string;
  stage: "create" | "confirm";
  outcome: RiskOutcome;
  reasons: ColumnType<{ code: string; outcome: RiskOutcome; message: string }[], string, never>;
  rules_version: number;
  created_at: Timestamp;
};

export type RiskProfilesTable = {
  user_id: string;
  tier: RiskTier;
  limited: boolean;
  limited_reason: string | null;
  updated_at: Date;
};

export type RiskReportReason = "scam" | "mistake" | "unauthorized" | "abuse";

export type RiskReportsTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  reporter_id: string;
  subject_id: string;
  payment_id: string | null;
  reason: RiskReportReason;
  note: string | null;
  status: "open" | "upheld" | "dismissed";
  return_request_id: string | null;
  created_at: Timestamp;
  resolved_at: Date | null;
};

export type RiskOperatorActionsTable = {
  id: ColumnType<bigint, never, never>;
  operator_id: string;
  action: string;
  subject_kind: "payment" | "report" | "person";
  subject_id: string;
  reason: string;
  created_at: Timestamp;
};

// --- banks (issue 18): bank links and their consent records, encrypted OAuth material, alerts, outbox, access log ---

export const BANK_SCOPES = ["balances", "transaction_alerts", "fraud_alerts"] as const;
export type BankScope = (typeof BANK_SCOPES)[number];
export type BankLinkStatus = "pending" | "active" | "revoked" | "expired";

export type BankLinksTable = {
  id: string;
  user_id: string;
  partner_id: string;
  status: BankLinkStatus;
  scopes: BankScope[];
  purpose: string;
  /** The exact disclosure text the person was shown before authorizing. */
  disclosure: string;
  /** SHA-256 of the OAuth state while the link waits for the bank's answer. */
  oauth_state_hash: string | null;
  authorize_by: Date;
  bank_consent_id: string | null;
  thread_id: string | null;
  created_at: Timestamp;
  granted_at: Date | null;
  expires_at: Date | null;
  reconfirmed_at: Date | null;
  /** When the person was told the consent is about to expire (cleared when they renew it). */
  reminded_at: Date | null;
  ended_at: Date | null;
  ended_by: "person" | "bank" | "expiry" | null;
  /** Until then the person may see the balance without a new step-up (extended on each look). */
  stepped_up_until: Date | null;
  updated_at: Date;
};

export type BankLinkSecretsTable = {
  link_id: string;
  key_id: string;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  updated_at: Date;
};

export type BankAlertsTable = {
  id: string;
  link_id: string;
  bank_alert_id: string;
  message_id: string;
  status: "open" | "answered" | "closed";
  answer: "it_was_me" | "not_me" | null;
  created_at: Timestamp;
  updated_at: Date;
};

export type BankOutboxTable = {
  id: string;
  link_id: string;
  kind: "fraud_answer" | "message";
  payload: ColumnType<Record<string, string>, string, never>;
  state: "pending" | "sent" | "failed";
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date;
  created_at: Timestamp;
};

export type BankWebhookEventsTable = { partner_id: string; event_id: string; received_at: Date };

export type BankAccessLogTable = {
  id: ColumnType<bigint, never, never>;
  user_id: string;
  link_id: string;
  action: string;
  detail: ColumnType<Record<string, string | number | boolean | null>, string, never>;
  created_at: Timestamp;
};

export type Database = {
  users: UsersTable;
  threads: ThreadsTable;
  thread_members: ThreadMembersTable;
  messages: MessagesTable;
  idempotency_keys: IdempotencyKeysTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_balances: LedgerBalancesTable;
  stripe_customers: StripeCustomersTable;
  cards: CardsTable;
  payout_destinations: PayoutDestinationsTable;
  stripe_events: StripeEventsTable;
  payments: PaymentsTable;
  payout_reversals: PayoutReversalsTable;
  payment_disputes: PaymentDisputesTable;
  payment_requests: PaymentRequestsTable;
  payment_request_shares: PaymentRequestSharesTable;
  payment_audit: PaymentAuditTable;
  payment_pins: PaymentPinsTable;
  webauthn_credentials: WebauthnCredentialsTable;
  security_challenges: SecurityChallengesTable;
  security_events: SecurityEventsTable;
  user_events: UserEventsTable;
  risk_rule_sets: RiskRuleSetsTable;
  risk_rules: RiskRulesTable;
  risk_decisions: RiskDecisionsTable;
  risk_profiles: RiskProfilesTable;
  risk_reports: RiskReportsTable;
  risk_operator_actions: RiskOperatorActionsTable;
  privacy_settings: PrivacySettingsTable;
  consents: ConsentsTable;
  closed_accounts: ClosedAccountsTable;
  bank_links: BankLinksTable;
  bank_link_secrets: BankLinkSecretsTable;
  bank_alerts: BankAlertsTable;
  bank_outbox: BankOutboxTable;
  bank_webhook_events: BankWebhookEventsTable;
  bank_access_log: BankAccessLogTable;
};

export type User = Selectable<UsersTable>;
export type Thread = Selectable<ThreadsTable>;
export type Message = Selectable<MessagesTable>;
export type IdempotencyKey = Selectable<IdempotencyKeysTable>;
export type LedgerAccount = Selectable<LedgerAccountsTable>;
export type LedgerTransfer = Selectable<LedgerTransfersTable>;
export type Card = Selectable<CardsTable>;
export type PayoutDestination = Selectable<PayoutDestinationsTable>;
export type PaymentPin = Selectable<PaymentPinsTable>;
export type WebauthnCredential = Selectable<WebauthnCredentialsTable>;
export type SecurityChallenge = Selectable<SecurityChallengesTable>;
export type SecurityEvent = Selectable<SecurityEventsTable>;
export type UserEvent = Selectable<UserEventsTable>;
export type Payment = Selectable<PaymentsTable>;
export type PaymentRequest = Selectable<PaymentRequestsTable>;
export type PaymentDispute = Selectable<PaymentDisputesTable>;
export type PaymentRequestShare = Selectable<PaymentRequestSharesTable>;
export type RiskRule = Selectable<RiskRulesTable>;
export type RiskDecision = Selectable<RiskDecisionsTable>;
export type RiskReport = Selectable<RiskReportsTable>;
export type PrivacySettings = Selectable<PrivacySettingsTable>;
export type Consent = Selectable<ConsentsTable>;
export type BankLink = Selectable<BankLinksTable>;
export type BankAlert = Selectable<BankAlertsTable>;
export type BankOutboxItem = Selectable<BankOutboxTable>;
