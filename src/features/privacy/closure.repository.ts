import { sql } from "kysely";
import type { StripeCleanup } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import type { PersonalEntry } from "./data-map";

export function userExists(db: Db | Trx, userId: string): Promise<boolean> {
  return db
    .selectFrom("users")
    .select("id")
    .where("id", "=", userId)
    .executeTakeFirst()
    .then((row) => row !== undefined);
}

/** How many of the person's payments are in each state that keeps money moving or waiting. */
export async function countMoneyInFlight(db: Db | Trx, userId: string) {
  const row = await db
    .selectFrom("payments")
    .select((eb) => [
      eb.fn
        .countAll<string>()
        .filterWhere((w) =>
          w.or([
            w("status", "in", ["requires_confirmation", "processing", "requires_action", "held", "paying_out"]),
            w("refund_state", "=", "pending"),
          ]),
        )
        .as("in_flight"),
      eb.fn.countAll<string>().filterWhere("status", "=", "awaiting_recipient").as("unclaimed"),
    ])
    .where((w) => w.or([w("sender_id", "=", userId), w("recipient_id", "=", userId)]))
    .executeTakeFirstOrThrow();
  return { inFlight: Number(row.in_flight), unclaimed: Number(row.unclaimed) };
}

/** The person's wallets that hold money or have money held, by currency. */
export function walletsNotEmpty(db: Db | Trx, userId: string) {
  return db
    .selectFrom("ledger_accounts")
    .select(["currency"])
    .where("owner_id", "=", userId)
    .where("purpose", "=", "wallet")
    .where((w) =>
      w.or([
        w("credits_posted", "!=", w.ref("debits_posted")),
        w("credits_pending", "!=", 0n),
        w("debits_pending", "!=", 0n),
      ]),
    )
    .execute();
}

/** Open requests the person asked, or owes a share of. */
export async function countOpenRequests(db: Db | Trx, userId: string): Promise<number> {
  const row = await db
    .selectFrom("payment_requests as r")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("r.status", "=", "open")
    .where((w) =>
      w.or([
        w("r.author_id", "=", userId),
        w.exists(
          w
            .selectFrom("payment_request_shares as s")
            .select("s.request_id")
            .whereRef("s.request_id", "=", "r.id")
            .where("s.payer_id", "=", userId)
            .where("s.status", "in", ["pending", "paying"]),
        ),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Stripe's handles on what the person has there: attached cards, their customer, their payout account. */
export async function stripeHandlesOf(trx: Trx, userId: string): Promise<StripeCleanup> {
  const [cards, customer, destination] = await Promise.all([
    trx
      .selectFrom("cards")
      .select("payment_method_id")
      .where("user_id", "=", userId)
      .where("removed_at", "is", null)
      .execute(),
    trx.selectFrom("stripe_customers").select("customer_id").where("user_id", "=", userId).executeTakeFirst(),
    trx.selectFrom("payout_destinations").select("account_id").where("user_id", "=", userId).executeTakeFirst(),
  ]);
  return {
    payment_method_ids: cards.map((c) => c.payment_method_id),
    customer_id: customer?.customer_id ?? null,
    account_id: destination?.account_id ?? null,
  };
}

export async function insertFormerUser(trx: Trx, formerId: string, displayName: string, at: Date): Promise<void> {
  await trx
    .insertInto("users")
    .values({ id: formerId, handle: null, display_name: displayName, created_at: at })
    .execute();
}

/**
 * What goes before the person's id is replaced: their words (memos, messages), the card and
 * Idempotency-Keys behind their payments, and their half of the key that names a direct
 * thread's two people.
 * Other people's live events and kept answers that name the person are deleted (they are
 * copies: the threads and payments they came from stay).
 */
export async function scrubWords(trx: Trx, userId: string): Promise<void> {
  await sql`update payments set memo = null, card_id = null, idempotency_key = id where sender_id = ${userId}`.execute(
    trx,
  );
  await sql`update payment_requests set memo = null where author_id = ${userId}`.execute(trx);
  await sql`update messages set body = 'deleted' where sender_id = ${userId}`.execute(trx);
  // A direct thread's key names its two people; the person's half becomes the thread's own id (unique, nobody's).
  await sql`update threads t
            set direct_key = (select string_agg(case when x = ${userId} then t.id else x end, ' ')
                              from unnest(string_to_array(t.direct_key, ' ')) as x)
            where direct_key is not null and id in (select thread_id from thread_members where user_id = ${userId})`.execute(
    trx,
  );
  const mentions = `%${userId}%`;
  await sql`delete from user_events where data::text like ${mentions}`.execute(trx);
  await sql`delete from idempotency_keys where response_body like ${mentions}`.execute(trx);
}

/** Replaces the person's id with the former user's in these columns of the table. */
export async function replaceId(trx: Trx, table: string, column: string, userId: string, formerId: string) {
  await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${formerId} where ${sql.ref(column)} = ${userId}`.execute(
    trx,
  );
}

export async function deleteRowsAbout(trx: Trx, table: string, entry: PersonalEntry, userId: string) {
  await sql`delete from ${sql.table(table)} as t where ${entry.rowsAbout(userId)}`.execute(trx);
}

export async function insertClosedAccount(
  trx: Trx,
  row: { former_id: string; closed_at: Date; purge_after: Date; stripe_cleanup: StripeCleanup },
): Promise<void> {
  await trx
    .insertInto("closed_accounts")
    .values({ ...row, stripe_cleanup: JSON.stringify(row.stripe_cleanup) })
    .execute();
}

export function listStripeCleanups(db: Db, limit: number) {
  return db
    .selectFrom("closed_accounts")
    .select(["former_id", "stripe_cleanup"])
    .where("stripe_cleanup", "is not", null)
    .orderBy("closed_at")
    .limit(limit)
    .execute();
}

export async function clearStripeCleanup(db: Db, formerId: string): Promise<void> {
  await db.updateTable("closed_accounts").set({ stripe_cleanup: null }).where("former_id", "=", formerId).execute();
}

/** Former users whose retention has ended, oldest first (Stripe's side cleaned up first). */
export async function listDuePurges(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("closed_accounts")
    .select("former_id")
    .where("purge_after", "<=", now)
    .where("stripe_cleanup", "is", null)
    .orderBy("purge_after")
    .limit(limit)
    .execute();
  return rows.map((r) => r.former_id);
}

/**
 * Locks a former user's closed-account row and marks the transaction as their purge (what the
 * append-only guards let delete); undefined when another purge already took it.
 */
export async function lockClosedAccount(trx: Trx, formerId: string) {
  const row = await trx
    .selectFrom("closed_accounts")
    .select("former_id")
    .where("former_id", "=", formerId)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (row) await sql`select set_config('chat_pay.purging', ${formerId}, true)`.execute(trx);
  return row;
}

/** The former user's ledger accounts pass to an owner that names no one: `former:<account id>`. */
export async function forgetLedgerOwner(trx: Trx, formerId: string): Promise<void> {
  await sql`update ledger_accounts set owner_id = 'former:' || id where owner_id = ${formerId}`.execute(trx);
}

/** Every (table, column) with a foreign key to `table`'s id, from the catalogue. */
export async function referencesTo(db: Db | Trx, table: string): Promise<{ table: string; column: string }[]> {
  const { rows } = await sql<{ table: string; column: string }>`
    select cl.relname as table, att.attname as column
    from pg_constraint con
    join pg_class cl on cl.oid = con.conrelid
    join pg_attribute att on att.attrelid = con.conrelid and att.attnum = con.conkey[1]
    where con.contype = 'f' and con.confrelid = ${table}::regclass and array_length(con.conkey, 1) = 1
    order by cl.relname, att.attname`.execute(db);
  return rows;
}

/**
 * The rows a purge removes for a former user, dependants first: every row that references
 * their payments and requests (found through the foreign keys, so a table added later that
 * hangs off a payment goes with it), those payments and requests, and their messages; the
 * threads they started pass to the pooled former user; then every row of `named` (the data
 * map's pseudonymised columns, in the order to delete them) that still holds their id, and
 * last their closed-account record and their row in users.
 */
export async function purgeFormerUserRows(
  trx: Trx,
  formerId: string,
  pooledId: string,
  named: readonly { table: string; columns: readonly string[] }[],
): Promise<void> {
  const payments = sql`(select id from payments where sender_id = ${formerId} or recipient_id = ${formerId})`;
  const requests = sql`(select id from payment_requests where author_id = ${formerId})`;
  await trx.deleteFrom("payment_request_shares").where("payer_id", "=", formerId).execute();
  for (const [table, ids] of [
    ["payments", payments],
    ["payment_requests", requests],
  ] as const) {
    for (const ref of await referencesTo(trx, table)) {
      await sql`delete from ${sql.table(ref.table)} where ${sql.ref(ref.column)} in ${ids}`.execute(trx);
    }
    await sql`delete from ${sql.table(table)} where id in ${ids}`.execute(trx);
  }
  await trx.deleteFrom("messages").where("sender_id", "=", formerId).execute();
  await trx.updateTable("threads").set({ created_by: pooledId }).where("created_by", "=", formerId).execute();
  for (const { table, columns } of named) {
    const holds = sql.join(
      columns.map((column) => sql`${sql.ref(column)} = ${formerId}`),
      sql` or `,
    );
    await sql`delete from ${sql.table(table)} where ${holds}`.execute(trx);
  }
  await trx.deleteFrom("closed_accounts").where("former_id", "=", formerId).execute();
  await trx.deleteFrom("users").where("id", "=", formerId).execute();
}

export async function ensurePooledFormerUser(trx: Trx, id: string, displayName: string, at: Date): Promise<void> {
  await trx
    .insertInto("users")
    .values({ id, handle: null, display_name: displayName, created_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
