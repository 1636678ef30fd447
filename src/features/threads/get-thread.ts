import type { Thread, User } from "../../../db/schema";
import type { Deps } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import { requireMembership } from "./require-membership";
import { listMemberIds, listMembers } from "./threads.repository";

/** One thread the person is a member of, with its members. */
export async function getThread(
  deps: Pick<Deps, "db">,
  input: { userId: string; threadId: string },
): Promise<{ thread: Thread; members: User[] }> {
  const thread = await requireMembership(deps.db, input.threadId, input.userId);
  return { thread, members: await listMembers(deps.db, [thread.id]) };
}

/** Who is in the thread (ids only), e.g. to tell each of them about a change to something in it. */
export function memberIdsOf(db: Db | Trx, threadId: string): Promise<string[]> {
  return listMemberIds(db, threadId);
}
