import { sql } from "kysely";
import type { SecurityChallenge } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";

/**
 * Stores the challenge and answers how many of the person's challenges were open (unused,
 * unexpired at `now`) before it, in the same statement: its snapshot predates the insert.
 */
export async function insertChallenge(
  db: Db | Trx,
  challenge: Omit<SecurityChallenge, "used_at">,
  now: Date,
): Promise<number> {
  const open = db
    .selectFrom("security_challenges")
    .select((eb) => eb.fn.countAll<bigint>().as("n"))
    .where("user_id", "=", challenge.user_id)
    .where("used_at", "is", null)
    .where("expires_at", ">", now);
  const row = await db
    .insertInto("security_challenges")
    .values({ ...challenge, context: JSON.stringify(challenge.context) })
    .returning(sql<string>`(${open})::text`.as("open_before"))
    .executeTakeFirstOrThrow();
  return Number(row.open_before);
}

/** The challenge, only if it is this person's. */
export function findChallengeForUser(db: Db | Trx, id: string, userId: string): Promise<SecurityChallenge | undefined> {
  return db
    .selectFrom("security_challenges")
    .selectAll()
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

/** Marks the challenge used if nobody has and it has not expired; false otherwise (single use under concurrency). */
export async function markChallengeUsed(trx: Trx, id: string, now: Date): Promise<boolean> {
  const used = await trx
    .updateTable("security_challenges")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("id")
    .executeTakeFirst();
  return used !== undefined;
}

/** Deletes up to `limit` challenges that had expired by `expiredBy`; returns how many. */
export async function purgeExpiredChallenges(db: Db, expiredBy: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom("security_challenges")
    .where(
      "id",
      "in",
      db.selectFrom("security_challenges").select("id").where("expires_at", "<=", expiredBy).limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
