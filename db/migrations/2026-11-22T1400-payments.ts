import { type Kysely, sql } from "kysely";

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

/** Payments and requests in threads, their audit trail, and payment and request messages. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("payment_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("thread_id", "text", (c) => c.notNull().references("threads.id"))
    .addColumn("author_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn("currency", "char(3)", (c) => c.notNull())
    .addColumn("memo", "text", (c) => c.check(sql`char_length(memo) <= 140`))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('open', 'completed', 'canceled', 'expired')`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("payment_requests_open_by_expiry")
    .on("payment_requests")
    .columns(["status", "expires_at"])
    .execute();

  await db.schema
    .createTable("payments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn("thread_id", "text", (c) => c.notNull().references("threads.id"))
    .addColumn("sender_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("recipient_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("request_id", "text", (c) => c.references("payment_requests.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn("currency", "char(3)", (c) => c.notNull())
    .addColumn("memo", "text", (c) => c.check(sql`char_length(memo) <= 140`))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql.raw(`status in (${PAYMENT_STATUSES.map((s) => `'${s}'`).join(", ")})`)),
    )
    .addColumn("funding", "text", (c) => c.check(sql`funding in ('wallet', 'card')`))
    .addColumn("card_id", "text", (c) => c.references("cards.id"))
    .addColumn("payment_intent_id", "text", (c) => c.unique())
    .addColumn("payout_id", "text", (c) => c.unique())
    // Each payout attempt gets its own ledger hold and Stripe idempotency keys.
    .addColumn("payout_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("refund_state", "text", (c) => c.check(sql`refund_state in ('pending', 'succeeded')`))
    .addColumn("refund_id", "text")
    .addColumn("failure_code", "text")
    .addColumn("failure_message", "text")
    .addColumn("idempotency_key", "text", (c) => c.notNull())
    .addColumn("confirm_by", "timestamptz", (c) => c.notNull())
    .addColumn("claim_by", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("payments_sender_idempotency_key", ["sender_id", "idempotency_key"])
    .addCheckConstraint("payments_not_to_self", sql`sender_id <> recipient_id`)
    .execute();
  await db.schema.createIndex("payments_by_sender").on("payments").columns(["sender_id", "seq"]).execute();
  await db.schema.createIndex("payments_by_recipient").on("payments").columns(["recipient_id", "seq"]).execute();
  await db.schema.createIndex("payments_by_thread").on("payments").columns(["thread_id", "seq"]).execute();
  await db.schema.createIndex("payments_by_status").on("payments").columns(["status", "updated_at"]).execute();

  await db.schema
    .createTable("payment_request_shares")
    .addColumn("request_id", "text", (c) => c.notNull().references("payment_requests.id"))
    .addColumn("payer_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'paying', 'paid', 'declined')`))
    .addColumn("payment_id", "text", (c) => c.references("payments.id"))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("payment_request_shares_pkey", ["request_id", "payer_id"])
    .execute();

  await db.schema
    .createTable("payment_audit")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("payment_id", "text", (c) => c.notNull().references("payments.id"))
    .addColumn("from_status", "text")
    .addColumn("to_status", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("detail", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("payment_audit_by_payment").on("payment_audit").columns(["payment_id", "id"]).execute();
  await sql`create trigger payment_audit_append_only before update or delete on payment_audit for each row execute function ledger_refuse_change()`.execute(
    db,
  );

  await sql`alter table messages drop constraint messages_kind_check`.execute(db);
  await sql`alter table messages add constraint messages_kind_check check (kind in ('text', 'payment', 'request'))`.execute(
    db,
  );
  await db.schema
    .alterTable("messages")
    .addColumn("payment_id", "text", (c) => c.references("payments.id"))
    .execute();
  await db.schema
    .alterTable("messages")
    .addColumn("request_id", "text", (c) => c.references("payment_requests.id"))
    .execute();
  await sql`alter table messages add constraint messages_kind_refs check (
    (kind = 'text' and payment_id is null and request_id is null)
    or (kind = 'payment' and payment_id is not null)
    or (kind = 'request' and request_id is not null and payment_id is null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table messages drop constraint messages_kind_refs`.execute(db);
  await db.schema.alterTable("messages").dropColumn("request_id").execute();
  await db.schema.alterTable("messages").dropColumn("payment_id").execute();
  await sql`alter table messages drop constraint messages_kind_check`.execute(db);
  await sql`alter table messages add constraint messages_kind_check check (kind in ('text'))`.execute(db);
  for (const table of ["payment_audit", "payment_request_shares", "payments", "payment_requests"]) {
    await db.schema.dropTable(table).execute();
  }
}
