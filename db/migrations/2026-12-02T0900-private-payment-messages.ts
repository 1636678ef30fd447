import { type Kysely, sql } from "kysely";

/**
 * A payment's message is seen only by its sender until the payment is confirmed: an
 * unconfirmed payment is an intention, not money. `visible_only_to` holds the one person who
 * may see the message while it is set; confirming clears it (and tells the thread).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("messages")
    .addColumn("visible_only_to", "text", (c) => c.references("users.id"))
    .execute();
  // Messages already written are of payments their recipients could see; hide the unconfirmed ones.
  await sql`update messages m set visible_only_to = p.sender_id
            from payments p where p.id = m.payment_id and p.funding is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("messages").dropColumn("visible_only_to").execute();
}
