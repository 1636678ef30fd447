import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("handle", "text", (c) => c.unique().check(sql`handle ~ '^[a-z0-9_]{2,32}$'`))
    .addColumn("display_name", "text", (c) => c.notNull().check(sql`char_length(display_name) between 1 and 64`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("threads")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('direct', 'group')`))
    .addColumn("title", "text", (c) => c.check(sql`char_length(title) between 1 and 100`))
    .addColumn("direct_key", "text", (c) => c.unique())
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addCheckConstraint("threads_direct_key_iff_direct", sql`(kind = 'direct') = (direct_key is not null)`)
    .execute();

  await db.schema
    .createTable("thread_members")
    .addColumn("thread_id", "text", (c) => c.notNull().references("threads.id"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("joined_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("thread_members_pkey", ["thread_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("thread_members_by_user")
    .on("thread_members")
    .columns(["user_id", "thread_id"])
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn("thread_id", "text", (c) => c.notNull().references("threads.id"))
    .addColumn("sender_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('text')`))
    .addColumn("body", "text", (c) => c.notNull().check(sql`char_length(body) between 1 and 4000`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("messages_by_thread").on("messages").columns(["thread_id", "seq desc"]).execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull().check(sql`char_length(key) between 1 and 255`))
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('in_flight', 'completed')`))
    .addColumn("response_status", "integer")
    .addColumn("response_body", "text")
    .addColumn("response_content_type", "text")
    .addColumn("locked_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pkey", ["user_id", "key"])
    .addCheckConstraint(
      "idempotency_keys_completed_has_response",
      sql`(state = 'completed') = (response_status is not null and response_body is not null and response_content_type is not null)`,
    )
    .execute();
  await db.schema.createIndex("idempotency_keys_by_expiry").on("idempotency_keys").column("expires_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["idempotency_keys", "messages", "thread_members", "threads", "users"]) {
    await db.schema.dropTable(table).execute();
  }
}
