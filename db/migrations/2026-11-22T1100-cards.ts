import { type Kysely, sql } from "kysely";

/** Cards enrolled through Stripe (ids and display facts only: never a number or CVC), payout destinations, webhook events. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("stripe_customers")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("customer_id", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("cards")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("payment_method_id", "text", (c) => c.notNull().unique())
    .addColumn("brand", "text", (c) => c.notNull())
    .addColumn("last4", "text", (c) => c.notNull().check(sql`last4 ~ '^[0-9]{4}$'`))
    .addColumn("exp_month", "integer", (c) => c.notNull().check(sql`exp_month between 1 and 12`))
    .addColumn("exp_year", "integer", (c) => c.notNull())
    .addColumn("funding", "text", (c) => c.notNull().check(sql`funding = 'debit'`))
    .addColumn("country", "text")
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("is_default", "boolean", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("removed_at", "timestamptz")
    .execute();
  await sql`create unique index cards_one_per_fingerprint on cards (user_id, fingerprint) where removed_at is null`.execute(
    db,
  );
  await sql`create unique index cards_one_default on cards (user_id) where is_default and removed_at is null`.execute(
    db,
  );

  await db.schema
    .createTable("payout_destinations")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("account_id", "text", (c) => c.notNull().unique())
    .addColumn("external_account_id", "text")
    .addColumn("card_id", "text", (c) => c.references("cards.id"))
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('ready', 'needs_card', 'restricted')`))
    .addColumn("restricted_reason", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("stripe_events")
    .addColumn("event_id", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("account_id", "text")
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["stripe_events", "payout_destinations", "cards", "stripe_customers"]) {
    await db.schema.dropTable(table).execute();
  }
}
