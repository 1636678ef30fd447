import { type Kysely, sql } from "kysely";

/**
 * Card disputes that move money, and the service's own voice in a thread.
 *
 * `payment_disputes`: one row per Stripe dispute of a card payment's charge, its state, and how
 * much of the recipient's wallet it holds back (`held_minor`, a pending ledger transfer to the
 * `disputes` account: posted when the dispute is lost, voided when it is won).
 *
 * `notice` messages are written by the service (sender `platform`, a reserved id nobody can sign
 * in as, seeded here) about a payment or the thread: a dispute opened, won or lost.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("payment_disputes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("payment_id", "text", (c) => c.notNull().references("payments.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('open', 'won', 'lost')`))
    .addColumn("held_minor", "bigint", (c) => c.notNull().check(sql`held_minor >= 0 and held_minor <= amount_minor`))
    .addColumn("opened_at", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .addCheckConstraint("payment_disputes_closed_iff_decided", sql`(status = 'open') = (closed_at is null)`)
    .execute();
  await db.schema.createIndex("payment_disputes_by_payment").on("payment_disputes").column("payment_id").execute();

  await sql`insert into users (id, handle, display_name, created_at)
            values ('platform', null, 'chat-pay', now()) on conflict (id) do nothing`.execute(db);
  await sql`alter table messages drop constraint messages_kind_check`.execute(db);
  await sql`alter table messages add constraint messages_kind_check
            check (kind in ('text', 'payment', 'request', 'notice'))`.execute(db);
  await sql`alter table messages drop constraint messages_kind_refs`.execute(db);
  await sql`alter table messages add constraint messages_kind_refs check (
    (kind = 'text' and payment_id is null and request_id is null)
    or (kind = 'payment' and payment_id is not null)
    or (kind = 'request' and request_id is not null and payment_id is null)
    or (kind = 'notice' and sender_id = 'platform' and request_id is null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from messages where kind = 'notice'`.execute(db);
  await sql`alter table messages drop constraint messages_kind_refs`.execute(db);
  await sql`alter table messages add constraint messages_kind_refs check (
    (kind = 'text' and payment_id is null and request_id is null)
    or (kind = 'payment' and payment_id is not null)
    or (kind = 'request' and request_id is not null and payment_id is null))`.execute(db);
  await sql`alter table messages drop constraint messages_kind_check`.execute(db);
  await sql`alter table messages add constraint messages_kind_check check (kind in ('text', 'payment', 'request'))`.execute(
    db,
  );
  await sql`delete from users where id = 'platform'`.execute(db);
  await db.schema.dropTable("payment_disputes").execute();
}
