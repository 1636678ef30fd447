import type { User } from "../../../db/schema";
import type { Deps } from "../../deps";
import { findUserByHandle, findUsersByIds } from "./users.repository";

/**
 * Development directory: the person with this handle or id, if the service knows them. The
 * chat product owns its directory in production; the demo client needs one to start a thread.
 */
export async function findUsers(deps: Pick<Deps, "db">, query: { handle: string } | { id: string }): Promise<User[]> {
  if ("handle" in query) {
    const user = await findUserByHandle(deps.db, query.handle);
    return user ? [user] : [];
  }
  return findUsersByIds(deps.db, [query.id]);
}
