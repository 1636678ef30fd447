import { type RawBuilder, sql } from "kysely";

/**
 * The data map: every table in the database, who its rows are about, what the export gives a
 * person of it, how long it is kept and what closing an account does to it. Purpose limitation
 * in code: test/privacy-data-map.test.ts lists every table in the migrated database and fails
 * when one has no entry here (or an entry names no table), and the export and the account
 * closure read this map, so a table added without an entry is neither exported nor cleaned up,
 * and the test says so.
 *
 * The format, one entry per table, keyed by its name:
 *
 * - `about`: `"person"` when rows are about people (then every field below is required), or
 *   `"service"` when they are the service's own (migrations' bookkeeping), with `why`.
 * - `rowsAbout(userId)`: a SQL condition on the table, aliased `t`, true for exactly the rows
 *   about that person. The export selects them; closing an account deletes them when `closing`
 *   says `delete`.
 * - `key`: the columns that identify a row (the export test compares rows by them).
 * - `exported`: the columns the export gives, in order. Secrets (a PIN's hash, a passkey's
 *   public key, challenge digests, Stripe's payment method ids) and other people's details are
 *   left out; every column not listed is left out.
 * - `alsoAbout` (optional): rows about the person in another role, given with fewer columns
 *   (`rowsAbout`, `exported`, and `why`): a report about them, without who made it.
 * - `retention`: how long rows are kept, in words.
 * - `closing`: what closing the account does: `delete` (the rowsAbout rows go), `pseudonymise`
 *   with the columns whose value is the person's id (replaced by a random former-user id; what
 *   else is scrubbed is done by close-account.ts and said in `retention`), or `none` with why.
 *   When the retention ends, the purge (purge-closed-accounts.ts) deletes every row still
 *   holding the former-user id in a pseudonymised column, and what hangs off their payments;
 *   only the ledger's accounts stay, owned from then on by no one.
 *
 * The first entry is the person's own row (users), which closing deletes last; closing deletes
 * the other tables' rows backwards through this order (a table whose rows are found through
 * another's comes after it) before it replaces the person's id anywhere.
 */
export type TableEntry =
  | { about: "service"; why: string }
  | {
      about: "person";
      rowsAbout: (userId: string) => RawBuilder<unknown>;
      key: readonly string[];
      exported: readonly string[];
      alsoAbout?: { rowsAbout: (userId: string) => RawBuilder<unknown>; exported: readonly string[]; why: string };
      retention: string;
      closing: "delete" | { pseudonymise: readonly string[] } | { none: string };
    };

const PAYMENTS_OF = (userId: string) =>
  sql`(select id from payments where sender_id = ${userId} or recipient_id = ${userId})`;
const ACCOUNTS_OF = (userId: string) => sql`(select id from ledger_accounts where owner_id = ${userId})`;
const RETAINED = "kept, pseudonymised, for the retention period after the account closes, then purged";

export const DATA_MAP: Readonly<Record<string, TableEntry>> = {
  users: {
    about: "person",
    rowsAbout: (u) => sql`t.id = ${u}`,
    key: ["id"],
    exported: ["id", "handle", "display_name", "created_at"],
    retention: "while the account is open; on closing, replaced by a former user named 'A former user'",
    closing: "delete",
  },
  threads: {
    about: "person",
    rowsAbout: (u) => sql`t.id in (select thread_id from thread_members where user_id = ${u})`,
    key: ["id"],
    exported: ["id", "kind", "title", "created_by", "created_at"],
    retention: `shared with the other members; ${RETAINED} (a direct thread's key no longer names the person)`,
    closing: { pseudonymise: ["created_by"] },
  },
  thread_members: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["thread_id", "user_id"],
    exported: ["thread_id", "joined_at"],
    retention: `${RETAINED}; the other members see 'A former user'`,
    closing: { pseudonymise: ["user_id"] },
  },
  messages: {
    about: "person",
    rowsAbout: (u) => sql`t.sender_id = ${u}`,
    key: ["id"],
    exported: ["id", "thread_id", "kind", "body", "payment_id", "request_id", "created_at"],
    alsoAbout: {
      rowsAbout: (u) =>
        sql`(t.thread_id in (select thread_id from bank_links where user_id = ${u}) and t.sender_id <> ${u})`,
      exported: ["id", "thread_id", "body", "created_at"],
      why: "what the person's banks wrote to them in their bank threads (receipts, alerts, replies), while it is kept",
    },
    retention: `the person's messages read 'deleted' from the closing on; ${RETAINED}; a bank's messages to them go after BANK_RETENTION_DAYS or when the link ends`,
    closing: { pseudonymise: ["sender_id", "visible_only_to"] },
  },
  idempotency_keys: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["user_id", "key"],
    exported: ["key", "state", "response_status", "created_at", "expires_at"],
    retention: "IDEMPOTENCY_KEY_TTL_HOURS, then the sweep deletes them; deleted on closing",
    closing: "delete",
  },
  ledger_accounts: {
    about: "person",
    rowsAbout: (u) => sql`t.owner_id = ${u}`,
    key: ["id"],
    exported: [
      "id",
      "purpose",
      "currency",
      "debits_pending",
      "debits_posted",
      "credits_pending",
      "credits_posted",
      "created_at",
    ],
    retention: `${RETAINED}: the purge leaves them (and their transfers) owned by "former:<account id>", which names no one`,
    closing: { pseudonymise: ["owner_id"] },
  },
  ledger_transfers: {
    about: "person",
    rowsAbout: (u) => sql`(t.debit_account_id in ${ACCOUNTS_OF(u)} or t.credit_account_id in ${ACCOUNTS_OF(u)})`,
    key: ["id"],
    exported: [
      "id",
      "kind",
      "debit_account_id",
      "credit_account_id",
      "amount",
      "currency",
      "pending_id",
      "state",
      "reference",
      "created_at",
      "resolved_at",
    ],
    retention:
      "kept as long as the ledger, unchanged (amounts and accounts only; the accounts are pseudonymised, then name no one)",
    closing: { none: "names accounts, not people: their accounts are pseudonymised" },
  },
  ledger_balances: {
    about: "person",
    rowsAbout: (u) => sql`t.account_id in ${ACCOUNTS_OF(u)}`,
    key: ["account_id", "transfer_seq"],
    exported: ["account_id", "transfer_seq", "debits_pending", "debits_posted", "credits_pending", "credits_posted"],
    retention: "kept with the account's history, unchanged",
    closing: { none: "names accounts, not people: their accounts are pseudonymised" },
  },
  stripe_customers: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["user_id"],
    exported: ["customer_id", "created_at"],
    retention: "while the account is open; on closing, the customer is deleted at Stripe and here",
    closing: "delete",
  },
  cards: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: [
      "id",
      "brand",
      "last4",
      "exp_month",
      "exp_year",
      "funding",
      "country",
      "is_default",
      "created_at",
      "removed_at",
    ],
    retention:
      "while the account is open (removed cards too, for the payments they funded); on closing, detached at Stripe and deleted",
    closing: "delete",
  },
  payout_destinations: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["user_id"],
    exported: ["state", "restricted_reason", "card_id", "updated_at"],
    retention: "while the account is open; on closing, the payout account is closed at Stripe and this deleted",
    closing: "delete",
  },
  stripe_events: {
    about: "person",
    rowsAbout: (u) =>
      sql`(t.account_id in (select account_id from payout_destinations where user_id = ${u})
           or t.object_id in (select payment_method_id from cards where user_id = ${u})
           or t.object_id in (select customer_id from stripe_customers where user_id = ${u}))`,
    key: ["event_id"],
    exported: ["event_id", "type", "received_at"],
    retention:
      "30 days, to recognise Stripe's repeated deliveries, then the sweep deletes them; those about the person's cards, customer and payout account are deleted on closing",
    closing: "delete",
  },
  payments: {
    about: "person",
    rowsAbout: (u) => sql`(t.sender_id = ${u} or t.recipient_id = ${u})`,
    key: ["id"],
    exported: [
      "id",
      "thread_id",
      "sender_id",
      "recipient_id",
      "request_id",
      "amount_minor",
      "currency",
      "memo",
      "status",
      "funding",
      "refund_state",
      "failure_code",
      "confirm_by",
      "claim_by",
      "created_at",
      "updated_at",
    ],
    retention: `${RETAINED}; a sender's memos, card and Idempotency-Keys are cleared on closing`,
    closing: { pseudonymise: ["sender_id", "recipient_id"] },
  },
  payout_reversals: {
    about: "person",
    rowsAbout: (u) => sql`t.payment_id in (select id from payments where recipient_id = ${u})`,
    key: ["transfer_id"],
    exported: ["transfer_id", "payment_id", "attempt", "state", "created_at", "updated_at"],
    retention: `with its payment: ${RETAINED}`,
    closing: { none: "names a payment, not a person" },
  },
  payment_disputes: {
    about: "person",
    rowsAbout: (u) => sql`t.payment_id in ${PAYMENTS_OF(u)}`,
    key: ["id"],
    exported: ["id", "payment_id", "amount_minor", "currency", "reason", "status", "opened_at", "closed_at"],
    retention: `with its payment: ${RETAINED}`,
    closing: { none: "names a payment, not a person" },
  },
  payment_requests: {
    about: "person",
    rowsAbout: (u) =>
      sql`(t.author_id = ${u} or t.id in (select request_id from payment_request_shares where payer_id = ${u}))`,
    key: ["id"],
    exported: [
      "id",
      "thread_id",
      "author_id",
      "amount_minor",
      "currency",
      "memo",
      "status",
      "expires_at",
      "created_at",
    ],
    retention: `${RETAINED}; an author's memos are cleared on closing`,
    closing: { pseudonymise: ["author_id"] },
  },
  payment_request_shares: {
    about: "person",
    rowsAbout: (u) =>
      sql`(t.payer_id = ${u} or t.request_id in (select id from payment_requests where author_id = ${u}))`,
    key: ["request_id", "payer_id"],
    exported: ["request_id", "payer_id", "amount_minor", "status", "payment_id", "updated_at"],
    retention: `with its request: ${RETAINED}`,
    closing: { pseudonymise: ["payer_id"] },
  },
  payment_audit: {
    about: "person",
    rowsAbout: (u) => sql`t.payment_id in ${PAYMENTS_OF(u)}`,
    key: ["id"],
    exported: ["id", "payment_id", "from_status", "to_status", "created_at"],
    retention: `with its payment: ${RETAINED}`,
    closing: { pseudonymise: ["actor_id"] },
  },
  payment_pins: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["user_id"],
    exported: [
      "failed_attempts",
      "locked_until",
      "disabled_at",
      "last_failed_at",
      "reset_at",
      "created_at",
      "updated_at",
    ],
    retention: "while the account is open (the hash is never exported); deleted on closing",
    closing: "delete",
  },
  webauthn_credentials: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: ["id", "name", "transports", "backed_up", "created_at", "last_used_at"],
    retention: "while the account is open or until removed; deleted on closing",
    closing: "delete",
  },
  security_challenges: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: ["id", "purpose", "object_kind", "object_id", "created_at", "expires_at", "used_at"],
    retention: "until used or expired, then the sweep deletes them; deleted on closing",
    closing: "delete",
  },
  security_events: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: ["id", "kind", "detail", "created_at"],
    retention: "the person's security history while the account is open; deleted on closing",
    closing: "delete",
  },
  user_events: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: ["id", "type", "created_at"],
    retention: "EVENTS_RETENTION_DAYS (live-event delivery), then the sweep deletes them; deleted on closing",
    closing: "delete",
  },
  privacy_settings: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["user_id"],
    exported: ["requests_from", "threads_from", "updated_at"],
    retention: "while the account is open; deleted on closing",
    closing: "delete",
  },
  consents: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: ["id", "purpose", "version", "granted_at", "withdrawn_at"],
    retention: `proof of what was agreed to: ${RETAINED}`,
    closing: { pseudonymise: ["user_id"] },
  },
  closed_accounts: {
    about: "person",
    rowsAbout: (u) => sql`t.former_id = ${u}`,
    key: ["former_id"],
    exported: ["closed_at", "purge_after"],
    retention: "names only a former-user id, until its purge (CLOSED_ACCOUNT_RETENTION_YEARS)",
    closing: { none: "written by the closing itself, for the former-user id" },
  },
  // --- banks (issue 18): closing first ends every link (compose.ts accountClosing), deleting its content ---
  bank_links: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: [
      "id",
      "partner_id",
      "status",
      "scopes",
      "purpose",
      "disclosure",
      "thread_id",
      "created_at",
      "granted_at",
      "expires_at",
      "reconfirmed_at",
      "ended_at",
      "ended_by",
    ],
    retention: `the consent record outlives its link (without content) while the account is open; ${RETAINED} (without the bank's id for the consent)`,
    closing: { pseudonymise: ["user_id"] },
  },
  bank_link_secrets: {
    about: "person",
    rowsAbout: (u) => sql`t.link_id in (select id from bank_links where user_id = ${u})`,
    key: ["link_id"],
    exported: ["link_id", "key_id", "updated_at"],
    retention:
      "the link's encrypted OAuth tokens, deleted the moment the link ends (unlink, bank revocation, expiry, closing)",
    closing: "delete",
  },
  bank_alerts: {
    about: "person",
    rowsAbout: (u) => sql`t.link_id in (select id from bank_links where user_id = ${u})`,
    key: ["id"],
    exported: ["id", "link_id", "message_id", "status", "answer", "created_at"],
    retention: "BANK_RETENTION_DAYS, or until the link ends, whichever comes first",
    closing: "delete",
  },
  bank_outbox: {
    about: "person",
    rowsAbout: (u) => sql`t.link_id in (select id from bank_links where user_id = ${u})`,
    key: ["id"],
    exported: ["id", "link_id", "kind", "payload", "state", "created_at"],
    retention: "BANK_RETENTION_DAYS, or until the link ends, whichever comes first",
    closing: "delete",
  },
  bank_webhook_events: {
    about: "service",
    why: "ids of bank events already seen, to refuse duplicates (no content); purged after twice the signature tolerance",
  },
  bank_access_log: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["id"],
    exported: ["id", "link_id", "action", "detail", "created_at"],
    retention: `every read and purge of the person's bank data (no content), while the account is open; ${RETAINED}`,
    closing: { pseudonymise: ["user_id"] },
  },
  // Risk (issue 17): decisions on a person's payments, their tier and limit, their reports, operators' actions.
  risk_rule_sets: { about: "service", why: "the versions of the risk rules (no one's data)" },
  risk_rules: { about: "service", why: "the risk rules and their thresholds (no one's data)" },
  risk_decisions: {
    about: "person",
    // Decisions on the payments the person sent; those on payments to them are fraud signals about them, not given out.
    rowsAbout: (u) => sql`t.payment_id in (select id from payments where sender_id = ${u})`,
    key: ["id"],
    exported: ["id", "payment_id", "stage", "outcome", "reasons", "rules_version", "created_at"],
    retention: `with its payment: ${RETAINED}`,
    closing: { none: "names a payment, not a person" },
  },
  risk_profiles: {
    about: "person",
    rowsAbout: (u) => sql`t.user_id = ${u}`,
    key: ["user_id"],
    exported: ["tier", "limited", "updated_at"],
    retention: "while the account is open; deleted on closing",
    closing: "delete",
  },
  risk_reports: {
    about: "person",
    // The reports the person made; reports about them are not given out (they would name who reported).
    rowsAbout: (u) => sql`t.reporter_id = ${u}`,
    key: ["id"],
    exported: ["id", "subject_id", "payment_id", "reason", "note", "status", "return_request_id", "created_at"],
    alsoAbout: {
      rowsAbout: (u) => sql`t.subject_id = ${u}`,
      exported: ["id", "payment_id", "reason", "status", "created_at", "resolved_at"],
      why: "reports about the person: what and when, never who made them or their note",
    },
    retention: `kept as the record of a fraud case: ${RETAINED}`,
    closing: { pseudonymise: ["reporter_id", "subject_id"] },
  },
  risk_operator_actions: {
    about: "person",
    rowsAbout: (u) => sql`t.operator_id = ${u}`,
    key: ["id"],
    exported: ["id", "action", "subject_kind", "subject_id", "reason", "created_at"],
    alsoAbout: {
      rowsAbout: (u) => sql`(t.subject_kind = 'person' and t.subject_id = ${u})`,
      exported: ["id", "action", "reason", "created_at"],
      why: "operators' decisions about the person (their tier, a limit), without which operator",
    },
    retention: "the audit trail of operators' decisions (who decided what, and why), kept as the record of each case",
    // Append-only, but for this: the guard lets closing replace a person's id with their former-user id.
    closing: { pseudonymise: ["operator_id", "subject_id"] },
  },
  kysely_migration: { about: "service", why: "which migrations ran" },
  kysely_migration_lock: { about: "service", why: "the migrator's lock" },
};

export type PersonalEntry = Extract<TableEntry, { about: "person" }>;

/** The map's tables about people, in map order. */
export function personalTables(): [string, PersonalEntry][] {
  return Object.entries(DATA_MAP).flatMap(([table, entry]) =>
    entry.about === "person" ? [[table, entry] as [string, PersonalEntry]] : [],
  );
}
