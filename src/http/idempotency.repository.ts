import { sql } from "kysely";
import type { IdempotencyKey } from "../../db/schema";
import type { Db, Trx } from "../platform/db";

/** A request's use of a key: who, which key, a keyed hash of the request, when, and until when it is kept. */
export type Claim = { userId: string; key: string; fingerprint: string; now: Date; expiresAt: Date };

const claimValues = (claim: Claim) => ({
  fingerprint: claim.fingerprint,
  state: "in_flight" as const,
  response_status: null,
  response_body: null,
  response_content_type: null,
  locked_at: claim.now,
  expires_at: claim.expiresAt,
});

/** Inserts the key as in flight; false when it already exists. */
export async function insertClaim(db: Db, claim: Claim): Promise<boolean> {
  const row = await db
    .insertInto("idempotency_keys")
    .values({ user_id: claim.userId, key: claim.key, created_at: claim.now, ...claimValues(claim) })
    .onConflict((oc) => oc.columns(["user_id", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  return row !== undefined;
}

export function findKey(db: Db | Trx, userId: string, key: string): Promise<IdempotencyKey | undefined> {
  return db
    .selectFrom("idempotency_keys")
    .selectAll()
    .where("user_id", "=", userId)
    .where("key", "=", key)
    .executeTakeFirst();
}

/** Re-claims a key whose row is exactly as we read it (expired, or an in-flight lock gone stale); false if someone else won. */
export async function takeOverClaim(db: Db, claim: Claim, seen: IdempotencyKey): Promise<boolean> {
  const result = await db
    .updateTable("idempotency_keys")
    .set(claimValues(claim))
    .where("user_id", "=", claim.userId)
    .where("key", "=", claim.key)
    .where("locked_at", "=", seen.locked_at)
    .where("state", "=", seen.state)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Keeps the answer under our in-flight claim (the one locked at `lockedAt`), never one another request took over. */
export async function completeClaim(
  db: Db,
  claim: { userId: string; key: string; lockedAt: Date },
  response: { status: number; body: string; contentType: string },
): Promise<void> {
  await db
    .updateTable("idempotency_keys")
    .set({
      state: "completed",
      response_status: response.status,
      response_body: response.body,
      response_content_type: response.contentType,
    })
    .where("user_id", "=", claim.userId)
    .where("key", "=", claim.key)
    .where("state", "=", "in_flight")
    .where("locked_at", "=", claim.lockedAt)
    .execute();
}

/** Deletes our in-flight claim (the one locked at `lockedAt`), never one another request took over. */
export async function releaseClaim(db: Db, userId: string, key: string, lockedAt: Date): Promise<void> {
  await db
    .deleteFrom("idempotency_keys")
    .where("user_id", "=", userId)
    .where("key", "=", key)
    .where("state", "=", "in_flight")
    .where("locked_at", "=", lockedAt)
    .execute();
}

/** Deletes expired keys in bounded batches; returns how many went. */
export async function purgeExpiredKeys(db: Db, now: Date, batchSize: number): Promise<number> {
  const result = await db
    .deleteFrom("idempotency_keys")
    .where(
      sql<boolean>`(user_id, key) in (select user_id, key from idempotency_keys where expires_at <= ${now} limit ${batchSize})`,
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Holds the key for the rest of the transaction; false when another transaction holds it now. */
export async function lockKey(trx: Trx, claim: Claim): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_xact_lock(hashtext(${`idempotency:${claim.userId}`}), hashtext(${claim.key})) as locked`.execute(
    trx,
  );
  return rows[0]?.locked === true;
}

/**
 * Keeps a success under its key (replacing an expired or dead claim), in the transaction that
 * did the work; or, without an answer yet, holds the key in flight for completeClaim.
 */
export async function storeAnswer(
  db: Db | Trx,
  claim: Claim,
  answer: { status: number; body: string } | undefined,
): Promise<void> {
  const values = answer
    ? {
        fingerprint: claim.fingerprint,
        state: "completed" as const,
        response_status: answer.status,
        response_body: answer.body,
        response_content_type: "application/json",
        locked_at: claim.now,
        expires_at: claim.expiresAt,
      }
    : claimValues(claim);
  await db
    .insertInto("idempotency_keys")
    .values({ user_id: claim.userId, key: claim.key, created_at: claim.now, ...values })
    .onConflict((oc) => oc.columns(["user_id", "key"]).doUpdateSet(values))
    .execute();
}
