import type { Expression } from "kysely";
import type { User } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import { createdAtOf, findUsersByIds, listDisplayNames } from "./users.repository";

/** The people among these ids the service knows; ids it has never seen are left out. */
export function findKnownUsers(db: Db | Trx, ids: readonly string[]): Promise<User[]> {
  return findUsersByIds(db, ids);
}

/** Each person's display name, by id, to name both sides of a payment. */
export function displayNamesOf(db: Db | Trx, ids: readonly string[]): Promise<{ id: string; display_name: string }[]> {
  return listDisplayNames(db, ids);
}

/**
 * When the person first used payments (a new account sends under lower limits), as a scalar
 * subquery another feature's read embeds, so it costs no round trip of its own.
 */
export function accountCreatedAtOf(db: Db | Trx, userId: string): Expression<Date> {
  return createdAtOf(db, userId);
}
