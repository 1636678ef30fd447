import { type Kysely, sql } from "kysely";

/**
 * Indexes for the reads every payment makes, so their cost follows what they need, not how
 * long a person has been paying: the sender's limit and velocity windows and their latest
 * payments (the risk rules' history) read only those rows, from the index alone (sender, time,
 * with the amount, currency and status the sums filter on); whether the sender paid this person
 * before is one probe of the pair; the unconfirmed payments a sender may have open, and the
 * payments waiting for a person to claim them, are counted from partial indexes of just those
 * rows. Before, each of these walked every payment the person had ever sent or received, or
 * the whole table's newest payments back to the sender's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index payments_sent_by_time on payments (sender_id, created_at)
            include (amount_minor, currency, status)`.execute(db);
  await sql`create index payments_by_pair on payments (sender_id, recipient_id)`.execute(db);
  await sql`create index payments_awaiting_confirmation on payments (sender_id)
            where status = 'requires_confirmation'`.execute(db);
  await sql`create index payments_awaiting_recipient on payments (recipient_id, currency)
            where status = 'awaiting_recipient'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    "payments_awaiting_recipient",
    "payments_awaiting_confirmation",
    "payments_by_pair",
    "payments_sent_by_time",
  ]) {
    await sql`drop index ${sql.ref(index)}`.execute(db);
  }
}
