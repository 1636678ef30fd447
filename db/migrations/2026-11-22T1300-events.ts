import { type Kysely, sql } from "kysely";

/**
 * Live events for a person (GET /v1/events): written in the transaction that caused them,
 * kept for a retention window so a client can resume with Last-Event-ID.
 *
 * `id` is the identity the client sees. Identity values are handed out at insert time, not at
 * commit, so a row with a lower id can become visible after one with a higher id. Readers
 * therefore walk rows in (tx_id, id) order and only past the oldest transaction still running
 * (pg_snapshot_xmin): every row committed later has a tx_id at or above that horizon, so a
 * reader never skips one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("user_events")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("type", "text", (c) =>
      c.notNull().check(sql`type ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' and char_length(type) <= 64`),
    )
    .addColumn("data", "jsonb", (c) => c.notNull().check(sql`jsonb_typeof(data) = 'object'`))
    // The writing transaction's id (64-bit, never wraps); the default is the only writer.
    .addColumn("tx_id", sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  // A person's stream reads from a (tx_id, id) position onwards.
  await db.schema.createIndex("user_events_by_user").on("user_events").columns(["user_id", "tx_id", "id"]).execute();
  // Retention purges the oldest rows first.
  await db.schema.createIndex("user_events_by_created_at").on("user_events").column("created_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("user_events").execute();
}
