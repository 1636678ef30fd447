import { type Kysely, sql } from "kysely";

/**
 * Privacy: who may reach a person (privacy_settings), what they agreed to and when
 * (consents, a history: withdrawing closes a row, agreeing again opens a new one), and the
 * accounts closed and pseudonymised, kept until their retention ends (closed_accounts, which
 * names only the former-user id that replaced the person's, and Stripe's handles of what is
 * still to be deleted there).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const audience = (column: string) => sql`${sql.ref(column)} in ('everyone', 'people_i_paid', 'nobody')`;
  await db.schema
    .createTable("privacy_settings")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("requests_from", "text", (c) => c.notNull().check(audience("requests_from")))
    .addColumn("threads_from", "text", (c) => c.notNull().check(audience("threads_from")))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("consents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`char_length(purpose) between 1 and 64`))
    .addColumn("version", "text", (c) => c.check(sql`char_length(version) between 1 and 32`))
    .addColumn("granted_at", "timestamptz", (c) => c.notNull())
    .addColumn("withdrawn_at", "timestamptz")
    .execute();
  // At most one standing consent per purpose; withdrawn ones stay as history.
  await sql`create unique index consents_standing on consents (user_id, purpose) where withdrawn_at is null`.execute(
    db,
  );

  await db.schema
    .createTable("closed_accounts")
    .addColumn("former_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("closed_at", "timestamptz", (c) => c.notNull())
    .addColumn("purge_after", "timestamptz", (c) => c.notNull())
    // Stripe's handles still to delete there (cards, customer, payout account) until that is done.
    .addColumn("stripe_cleanup", "jsonb")
    .execute();
  await db.schema.createIndex("closed_accounts_purge_after").on("closed_accounts").column("purge_after").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("closed_accounts").execute();
  await db.schema.dropTable("consents").execute();
  await db.schema.dropTable("privacy_settings").execute();
}
