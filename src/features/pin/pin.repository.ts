import { type Expression, sql } from "kysely";
import type { PaymentPin } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import type { PinHash } from "../../platform/pin-hasher";

export function findPin(db: Db | Trx, userId: string): Promise<PaymentPin | undefined> {
  return db.selectFrom("payment_pins").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

export function resetAtOf(db: Db | Trx, userId: string): Expression<Date | null> {
  return db.selectFrom("payment_pins").select("reset_at").where("user_id", "=", userId).$asScalar();
}

/** Undefined when the person already has a PIN (a concurrent first set won). */
export function insertPinIfAbsent(trx: Trx, userId: string, hash: PinHash, now: Date): Promise<PaymentPin | undefined> {
  return trx
    .insertInto("payment_pins")
    .values({
      user_id: userId,
      pin_hash: hash.phc,
      pepper_version: hash.pepperVersion,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("user_id").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Counts one attempt as failed before any hashing, in one statement: concurrent attempts
 * serialise on the row, each re-checks the lock, so no more than the limit ever get through.
 * The attempt that reaches a threshold sets the lock (or the disable) itself. Undefined when
 * there is no PIN or it is locked or disabled.
 */
export function claimPinAttempt(
  db: Db,
  userId: string,
  rules: { now: Date; lockAtFailures: number; lockedUntil: Date; disableAtFailures: number },
): Promise<PaymentPin | undefined> {
  return db
    .updateTable("payment_pins")
    .set({
      failed_attempts: sql<number>`failed_attempts + 1`,
      locked_until: sql<Date | null>`case when failed_attempts + 1 = ${rules.lockAtFailures} then ${rules.lockedUntil}::timestamptz else locked_until end`,
      disabled_at: sql<Date | null>`case when failed_attempts + 1 >= ${rules.disableAtFailures} then ${rules.now}::timestamptz else disabled_at end`,
    })
    .where("user_id", "=", userId)
    .where("disabled_at", "is", null)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", rules.now)]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * A correct PIN clears the failures (and stores a fresh hash when the old one used other
 * parameters or pepper), unless the PIN was changed meanwhile: then the newer state stands.
 */
export async function recordPinSuccess(
  db: Db,
  userId: string,
  verifiedPhc: string,
  rehash: PinHash | undefined,
): Promise<void> {
  await db
    .updateTable("payment_pins")
    .set({
      failed_attempts: 0,
      locked_until: null,
      disabled_at: null,
      ...(rehash ? { pin_hash: rehash.phc, pepper_version: rehash.pepperVersion } : {}),
    })
    .where("user_id", "=", userId)
    .where("pin_hash", "=", verifiedPhc)
    .execute();
}

export async function markPinFailed(trx: Trx, userId: string, now: Date): Promise<void> {
  await trx.updateTable("payment_pins").set({ last_failed_at: now }).where("user_id", "=", userId).execute();
}

/** A new PIN (change or reset) starts with a clean slate. */
export function replacePin(
  trx: Trx,
  userId: string,
  hash: PinHash,
  now: Date,
  options: { reset: boolean },
): Promise<PaymentPin | undefined> {
  return trx
    .updateTable("payment_pins")
    .set({
      pin_hash: hash.phc,
      pepper_version: hash.pepperVersion,
      failed_attempts: 0,
      locked_until: null,
      disabled_at: null,
      updated_at: now,
      ...(options.reset ? { reset_at: now } : {}),
    })
    .where("user_id", "=", userId)
    .returningAll()
    .executeTakeFirst();
}
