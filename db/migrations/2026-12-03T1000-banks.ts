import { type Kysely, sql } from "kysely";

/**
 * Bank links (issue 18). A link is also its consent record: scopes, purpose, the exact
 * disclosure shown, granted / expires / ended times and who ended it. The record outlives the
 * link; everything the bank sent or the link holds (tokens, delivered messages, alerts, queued
 * answers) is deleted when it ends or leaves its retention window.
 *
 * - `bank_links`: the consent record and the link's state; `thread_id` is its bank thread.
 * - `bank_link_secrets`: the link's OAuth material (PKCE verifier while pending, then tokens),
 *   AES-GCM encrypted; deleted when the link ends.
 * - `bank_alerts`: fraud alerts waiting for (or given) an answer; content-free apart from the
 *   message they belong to, deleted with it.
 * - `bank_outbox`: answers and messages on their way to the bank (retried); deleted with the link.
 * - `bank_webhook_events`: bank event ids seen, to refuse duplicates (ids only, purged after the
 *   signature tolerance has passed).
 * - `bank_access_log`: every read of bank data and every purge (no content).
 *
 * A bank thread (`threads.kind = 'bank'`) has the person and the bank (a `users` row whose id,
 * `bank/<partner>`, no token can name) as members.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table threads drop constraint threads_kind_check`.execute(db);
  await sql`alter table threads add constraint threads_kind_check check (kind in ('direct', 'group', 'bank'))`.execute(
    db,
  );

  await db.schema
    .createTable("bank_links")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("partner_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'active', 'revoked', 'expired')`))
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("disclosure", "text", (c) => c.notNull())
    .addColumn("oauth_state_hash", "text", (c) => c.unique())
    .addColumn("authorize_by", "timestamptz", (c) => c.notNull())
    .addColumn("bank_consent_id", "text")
    .addColumn("thread_id", "text", (c) => c.references("threads.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("granted_at", "timestamptz")
    .addColumn("expires_at", "timestamptz")
    .addColumn("reconfirmed_at", "timestamptz")
    .addColumn("reminded_at", "timestamptz")
    .addColumn("ended_at", "timestamptz")
    .addColumn("ended_by", "text", (c) => c.check(sql`ended_by in ('person', 'bank', 'expiry')`))
    .addColumn("stepped_up_until", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addCheckConstraint(
      "bank_links_state",
      sql`(status = 'pending' and granted_at is null and ended_at is null)
       or (status = 'active' and granted_at is not null and expires_at is not null and thread_id is not null
           and bank_consent_id is not null and ended_at is null)
       or (status in ('revoked', 'expired') and ended_at is not null and ended_by is not null)`,
    )
    .execute();
  await db.schema.createIndex("bank_links_by_user").on("bank_links").columns(["user_id", "created_at"]).execute();
  await db.schema
    .createIndex("bank_links_by_consent")
    .on("bank_links")
    .columns(["partner_id", "bank_consent_id"])
    .unique()
    .execute();
  await db.schema.createIndex("bank_links_by_status").on("bank_links").columns(["status", "expires_at"]).execute();

  await db.schema
    .createTable("bank_link_secrets")
    .addColumn("link_id", "text", (c) => c.primaryKey().references("bank_links.id"))
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("iv", "bytea", (c) => c.notNull())
    .addColumn("ciphertext", "bytea", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("bank_alerts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("link_id", "text", (c) => c.notNull().references("bank_links.id"))
    .addColumn("bank_alert_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull().references("messages.id"))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('open', 'answered', 'closed')`))
    .addColumn("answer", "text", (c) => c.check(sql`answer in ('it_was_me', 'not_me')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("bank_alerts_once", ["link_id", "bank_alert_id"])
    .execute();

  await db.schema
    .createTable("bank_outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("link_id", "text", (c) => c.notNull().references("bank_links.id"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('fraud_answer', 'message')`))
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'sent', 'failed')`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("bank_outbox_due").on("bank_outbox").columns(["state", "next_attempt_at"]).execute();

  await db.schema
    .createTable("bank_webhook_events")
    .addColumn("partner_id", "text", (c) => c.notNull())
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("bank_webhook_events_pkey", ["partner_id", "event_id"])
    .execute();
  await db.schema.createIndex("bank_webhook_events_by_time").on("bank_webhook_events").column("received_at").execute();

  await db.schema
    .createTable("bank_access_log")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("link_id", "text", (c) => c.notNull().references("bank_links.id"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("detail", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("bank_access_log_by_user")
    .on("bank_access_log")
    .columns(["user_id", "id desc"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "bank_access_log",
    "bank_webhook_events",
    "bank_outbox",
    "bank_alerts",
    "bank_link_secrets",
    "bank_links",
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`delete from thread_members where thread_id in (select id from threads where kind = 'bank')`.execute(db);
  await sql`delete from messages where thread_id in (select id from threads where kind = 'bank')`.execute(db);
  await sql`delete from threads where kind = 'bank'`.execute(db);
  await sql`delete from users where id like 'bank/%'`.execute(db);
  await sql`alter table threads drop constraint threads_kind_check`.execute(db);
  await sql`alter table threads add constraint threads_kind_check check (kind in ('direct', 'group'))`.execute(db);
}
