import { type Kysely, sql } from "kysely";

/**
 * A payout attempt's Stripe transfer, kept until the attempt ends; when the payout fails the
 * transfer is reversed (the money is back in the recipient's wallet in the ledger, so it must be
 * back in the platform's Stripe balance too), and each reversal is tracked until Stripe has it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("payments").addColumn("payout_transfer_id", "text").execute();
  await db.schema
    .createTable("payout_reversals")
    .addColumn("transfer_id", "text", (c) => c.primaryKey())
    .addColumn("payment_id", "text", (c) => c.notNull().references("payments.id"))
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'done')`))
    .addColumn("reversal_id", "text")
    // Tries Stripe refused or did not answer; each failure moves the row to the back of the queue.
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create index payout_reversals_pending on payout_reversals (updated_at) where state = 'pending'`.execute(db);
  await db.schema.createIndex("payout_reversals_by_payment").on("payout_reversals").column("payment_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("payout_reversals").execute();
  await db.schema.alterTable("payments").dropColumn("payout_transfer_id").execute();
}
