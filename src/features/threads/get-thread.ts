import type { Thread, User } from "../../../db/schema";
import type { Deps } from "../../deps";
import { requireMembership } from "./require-membership";
import { listMembers } from "./threads.repository";

/** One thread the person is a member of, with its members. */
export async function getThread(
  deps: Deps,
  input: { userId: string; threadId: string },
): Promise<{ thread: Thread; members: User[] }> {
  const thread = await requireMembership(deps.db, input.threadId, input.userId);
  return { thread, members: await listMembers(deps.db, [thread.id]) };
}
