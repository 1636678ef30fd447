import { type Kysely, sql } from "kysely";

/**
 * Payment PINs, WebAuthn passkeys, single-use challenges and the security audit trail.
 * Nothing here holds a PIN or a pepper: PINs are argon2id PHC strings computed with a
 * server-side pepper, and challenges are kept as SHA-256 digests.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("payment_pins")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("pin_hash", "text", (c) => c.notNull().check(sql`pin_hash like '$argon2id$%'`))
    .addColumn("pepper_version", "integer", (c) => c.notNull().check(sql`pepper_version >= 1`))
    // Consecutive failures, counted before hashing (an attempt in flight counts as failed).
    .addColumn("failed_attempts", "integer", (c) => c.notNull().defaultTo(0).check(sql`failed_attempts >= 0`))
    .addColumn("locked_until", "timestamptz")
    .addColumn("disabled_at", "timestamptz")
    .addColumn("last_failed_at", "timestamptz")
    .addColumn("reset_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("webauthn_credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("credential_id", "text", (c) =>
      c.notNull().unique().check(sql`credential_id ~ '^[A-Za-z0-9_-]+$' and char_length(credential_id) <= 1366`),
    )
    .addColumn("public_key", "bytea", (c) => c.notNull().check(sql`octet_length(public_key) between 1 and 2048`))
    // The authenticator's signature counter is an unsigned 32-bit integer.
    .addColumn("counter", "bigint", (c) => c.notNull().check(sql`counter between 0 and 4294967295`))
    .addColumn("transports", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("aaguid", "text", (c) => c.notNull())
    .addColumn("backed_up", "boolean", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull().check(sql`char_length(name) between 1 and 64`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_used_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("webauthn_credentials_by_user")
    .on("webauthn_credentials")
    .columns(["user_id", "created_at"])
    .execute();

  await db.schema
    .createTable("security_challenges")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("purpose", "text", (c) =>
      c.notNull().check(sql`purpose in ('device_registration', 'pin_reset', 'confirmation')`),
    )
    .addColumn("challenge_hash", "text", (c) => c.notNull().unique().check(sql`challenge_hash ~ '^[0-9a-f]{64}$'`))
    // Confirmation: the methods the policy accepted; PIN reset: the one proof chosen.
    .addColumn("methods", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("object_kind", "text")
    .addColumn("object_id", "text")
    .addColumn("binding_hash", "text", (c) => c.check(sql`binding_hash ~ '^[0-9a-f]{64}$'`))
    // Whatever a method or proof must remember between issuing and checking (never a secret).
    .addColumn("context", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addCheckConstraint(
      "security_challenges_bound_iff_confirmation",
      sql`(purpose = 'confirmation') = (object_kind is not null and object_id is not null and binding_hash is not null)`,
    )
    .addCheckConstraint("security_challenges_expiry_after_creation", sql`expires_at > created_at`)
    .execute();
  await db.schema
    .createIndex("security_challenges_by_user")
    .on("security_challenges")
    .columns(["user_id", "created_at"])
    .execute();
  await db.schema.createIndex("security_challenges_by_expiry").on("security_challenges").column("expires_at").execute();

  await db.schema
    .createTable("security_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind ~ '^[a-z_]{1,48}$'`))
    .addColumn("detail", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("security_events_by_user")
    .on("security_events")
    .columns(["user_id", "seq desc"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["security_events", "security_challenges", "webauthn_credentials", "payment_pins"]) {
    await db.schema.dropTable(table).execute();
  }
}
