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

export function findUsersByIds(db: Db | Trx, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("users").selectAll().where("id", "in", ids).execute();
}
