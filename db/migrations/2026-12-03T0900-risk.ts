import { type Kysely, sql } from "kysely";

/** The payment statuses as of this migration (frozen: later lists keep their own copy). */
const PAYMENT_STATUSES = [
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
];
const OUTCOMES = ["allow", "warn", "step_up", "delay", "review", "block"];
const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/**
 * The first rule set (version 1). Each row is one rule: an evaluator (kind) with its thresholds
 * (params), the outcome it asks for, the plain sentence the person reads, and the tier it
 * applies to (null: everyone). Changing rules means inserting a new version, never editing one.
 */
const RULES_V1: {
  code: string;
  kind: string;
  outcome: string;
  message: string;
  params: Record<string, unknown>;
  tier: string | null;
}[] = [
  {
    code: "first_payee",
    kind: "first_payment_to_recipient",
    outcome: "warn",
    message: "You have never paid this person. Only pay people you know and trust.",
    params: {},
    tier: null,
  },
  {
    code: "memo_gift_cards",
    kind: "memo_matches",
    outcome: "warn",
    message: "Payments asking for gift cards are usually scams.",
    params: { pattern: "gift ?cards?|itunes|steam card|google play|vouchers?" },
    tier: null,
  },
  {
    code: "memo_crypto",
    kind: "memo_matches",
    outcome: "warn",
    message: "Requests to pay for crypto or an investment are a common scam.",
    params: { pattern: "crypto|bitcoin|\\bbtc\\b|\\busdt\\b|ethereum|invest(ment)?" },
    tier: null,
  },
  {
    code: "memo_refund_deposit",
    kind: "memo_matches",
    outcome: "warn",
    message: "Scammers ask for deposits, fees and 'refunds' for things you never get. Pay only for what you have seen.",
    params: { pattern: "refund|overpa(id|yment)|deposit|holding fee|release fee|customs fee" },
    tier: null,
  },
  {
    code: "memo_urgency",
    kind: "memo_matches",
    outcome: "warn",
    message: "Being rushed to pay is a sign of a scam. Take your time and check who is asking.",
    params: { pattern: "urgent|asap|right now|immediately|emergency|hurry" },
    tier: null,
  },
  {
    code: "new_recipient_account",
    kind: "recipient_account_newer_than",
    outcome: "warn",
    message: "This person's account is less than two days old.",
    params: { hours: 48, only_new_payee: true },
    tier: null,
  },
  {
    code: "recipient_reported",
    kind: "recipient_reports_at_least",
    outcome: "warn",
    message: "Other people have reported this person. Be sure before you pay.",
    params: { count: 1 },
    tier: null,
  },
  {
    code: "recipient_limited",
    kind: "recipient_limited",
    outcome: "block",
    message: "Payments to this person are paused while reports about them are looked at.",
    params: {},
    tier: null,
  },
  {
    code: "sender_limited",
    kind: "sender_limited",
    outcome: "block",
    message: "Sending is paused on your account while we look at it.",
    params: {},
    tier: null,
  },
  {
    code: "mass_request_new_account",
    kind: "mass_request",
    outcome: "review",
    message:
      "This request comes from a new account that asked many people for money; we check it before the money moves.",
    params: { people: 5, author_account_hours: 168 },
    tier: null,
  },
  {
    code: "mass_request",
    kind: "mass_request",
    outcome: "warn",
    message: "This request went to many people at once. Pay only if you know what it is for.",
    // Any account (a hundred years): asking ten or more people in a day is unexpected for a payer.
    params: { people: 10, author_account_hours: 876_000 },
    tier: null,
  },
  {
    code: "velocity_count",
    kind: "velocity_count",
    outcome: "warn",
    message: "You have sent many payments in the last hour. Make sure each one is to someone you know.",
    params: { window_minutes: 60, count: 10 },
    tier: null,
  },
  {
    code: "new_account_large",
    kind: "sender_account_newer_than",
    outcome: "delay",
    message: "Larger payments from new accounts wait an hour before they move; you can cancel until then.",
    params: { hours: 24, min_amount_minor: 20_000 },
    tier: null,
  },
  {
    code: "unusual_amount",
    kind: "amount_vs_history",
    outcome: "step_up",
    message: "This is much more than you usually send; confirm it with your passkey.",
    params: { multiple: 10, min_history: 3, min_amount_minor: 10_000 },
    tier: null,
  },
  {
    code: "new_device",
    kind: "new_device",
    outcome: "delay",
    message:
      "A passkey was added to your account recently, so larger payments wait an hour; you can cancel until then.",
    params: { hours: 24, min_amount_minor: 10_000 },
    tier: null,
  },
  {
    code: "pin_reset",
    kind: "pin_reset_recent",
    outcome: "step_up",
    message: "Your PIN was reset recently; confirm larger payments with your passkey.",
    params: { hours: 24, min_amount_minor: 10_000 },
    tier: null,
  },
  {
    code: "unverified_amount",
    kind: "amount_at_least",
    outcome: "step_up",
    message: "Payments this large from unverified accounts need your passkey.",
    params: { min_amount_minor: 25_000 },
    tier: "unverified",
  },
  {
    code: "unverified_daily_sum",
    kind: "velocity_sum",
    outcome: "delay",
    message: "You have sent a lot today for an unverified account; this payment waits an hour and you can cancel it.",
    params: { window_minutes: 1440, sum_minor: 150_000 },
    tier: "unverified",
  },
  {
    code: "unverified_weekly_cap",
    kind: "velocity_sum",
    outcome: "block",
    message: "Unverified accounts can send up to 5,000.00 in 7 days. Verify your identity to send more.",
    params: { window_minutes: 10_080, sum_minor: 500_000 },
    tier: "unverified",
  },
  {
    code: "verified_daily_sum",
    kind: "velocity_sum",
    outcome: "delay",
    message: "You have sent a lot today; this payment waits an hour and you can cancel it.",
    params: { window_minutes: 1440, sum_minor: 400_000 },
    tier: "verified",
  },
];

/**
 * Risk: a decision on every payment from rules kept as versioned data, holds (a `held` payment
 * status and its window), reports, per-person risk profiles (tier, limits) and the operators'
 * audited actions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table payments drop constraint payments_status_check`.execute(db);
  await sql`alter table payments add constraint payments_status_check check (status in (${inList([...PAYMENT_STATUSES, "held"])}))`.execute(
    db,
  );
  await db.schema
    .alterTable("payments")
    .addColumn("risk_outcome", "text", (c) => c.check(sql`risk_outcome in (${inList(OUTCOMES)})`))
    // The warnings the sender must acknowledge ({code, message}), and when they did.
    .addColumn("risk_warnings", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("risk_acknowledged_at", "timestamptz")
    // A delayed payment moves at this moment (the sweep); null while held for review.
    .addColumn("held_until", "timestamptz")
    .execute();
  await sql`create index payments_held on payments (held_until) where status = 'held'`.execute(db);

  await db.schema
    .createTable("risk_rule_sets")
    .addColumn("version", "integer", (c) => c.primaryKey())
    .addColumn("note", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("risk_rules")
    .addColumn("version", "integer", (c) => c.notNull().references("risk_rule_sets.version"))
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull().check(sql`outcome in (${inList(OUTCOMES)})`))
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("params", "jsonb", (c) => c.notNull())
    .addColumn("tier", "text", (c) => c.check(sql`tier in ('unverified', 'verified')`))
    .addPrimaryKeyConstraint("risk_rules_pkey", ["version", "code"])
    .execute();
  await sql`create trigger risk_rules_append_only before update or delete on risk_rules for each row execute function ledger_refuse_change()`.execute(
    db,
  );

  await db.schema
    .createTable("risk_decisions")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("payment_id", "text", (c) => c.notNull().references("payments.id"))
    .addColumn("stage", "text", (c) => c.notNull().check(sql`stage in ('create', 'confirm')`))
    .addColumn("outcome", "text", (c) => c.notNull().check(sql`outcome in (${inList(OUTCOMES)})`))
    // Every rule that matched: {code, outcome, message}.
    .addColumn("reasons", "jsonb", (c) => c.notNull())
    .addColumn("rules_version", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("risk_decisions_by_payment").on("risk_decisions").columns(["payment_id", "id"]).execute();
  await sql`create trigger risk_decisions_append_only before update or delete on risk_decisions for each row execute function ledger_refuse_change()`.execute(
    db,
  );

  await db.schema
    .createTable("risk_profiles")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("tier", "text", (c) => c.notNull().check(sql`tier in ('unverified', 'verified')`))
    .addColumn("limited", "boolean", (c) => c.notNull())
    .addColumn("limited_reason", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("risk_reports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn("reporter_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("subject_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("payment_id", "text", (c) => c.references("payments.id"))
    .addColumn("reason", "text", (c) => c.notNull().check(sql`reason in ('scam', 'mistake', 'unauthorized', 'abuse')`))
    .addColumn("note", "text", (c) => c.check(sql`char_length(note) <= 500`))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('open', 'upheld', 'dismissed')`))
    // A mistake's "send it back" request to the recipient, when one was made.
    .addColumn("return_request_id", "text", (c) => c.references("payment_requests.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("resolved_at", "timestamptz")
    .addCheckConstraint("risk_reports_not_self", sql`reporter_id <> subject_id`)
    .execute();
  // One report per reporter, payment (or person) and reason: repeating it adds nothing.
  await sql`create unique index risk_reports_once on risk_reports (reporter_id, subject_id, coalesce(payment_id, ''), reason)`.execute(
    db,
  );
  await db.schema.createIndex("risk_reports_by_subject").on("risk_reports").columns(["subject_id", "status"]).execute();
  await db.schema.createIndex("risk_reports_by_status").on("risk_reports").columns(["status", "seq"]).execute();

  await db.schema
    .createTable("risk_operator_actions")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("operator_id", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("subject_kind", "text", (c) => c.notNull())
    .addColumn("subject_id", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create trigger risk_operator_actions_append_only before update or delete on risk_operator_actions for each row execute function ledger_refuse_change()`.execute(
    db,
  );

  const at = new Date("2026-12-03T09:00:00.000Z");
  await sql`insert into risk_rule_sets (version, note, created_at) values (1, 'First rule set', ${at})`.execute(db);
  for (const rule of RULES_V1) {
    await sql`insert into risk_rules (version, code, kind, outcome, message, params, tier)
              values (1, ${rule.code}, ${rule.kind}, ${rule.outcome}, ${rule.message}, ${JSON.stringify(rule.params)}::jsonb, ${rule.tier})`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "risk_operator_actions",
    "risk_reports",
    "risk_profiles",
    "risk_decisions",
    "risk_rules",
    "risk_rule_sets",
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop index payments_held`.execute(db);
  for (const column of ["held_until", "risk_acknowledged_at", "risk_warnings", "risk_outcome"]) {
    await db.schema.alterTable("payments").dropColumn(column).execute();
  }
  await sql`alter table payments drop constraint payments_status_check`.execute(db);
  await sql`alter table payments add constraint payments_status_check check (status in (${inList(PAYMENT_STATUSES)}))`.execute(
    db,
  );
}
