import type { Expression } from "kysely";
import type { User } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";

export function insertUserIfMissing(
  db: Db | Trx,
  user: { id: string; handle: string | null; display_name: string; created_at: Date },
): Promise<unknown> {
  return db
    .insertInto("users")
    .values(user)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function findUserByHandle(db: Db | Trx, handle: string): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("handle", "=", handle).executeTakeFirst();
}

/** Each person's display name (for a receipt), by id. */
export function listDisplayNames(
  db: Db | Trx,
  ids: readonly string[],
): Promise<{ id: string; display_name: string }[]> {
  return db.selectFrom("users").select(["id", "display_name"]).where("id", "in", ids).execute();
}

/** When the person was first seen; throws when they never were. */
export function createdAtOf(db: Db | Trx, userId: string): Expression<Date> {
  return db.selectFrom("users").select("created_at").where("id", "=", userId).$asScalar();
}

export function findUsersByIds(db: Db | Trx, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("users").selectAll().where("id", "in", ids).execute();
}
