import type { Thread } from "../../../db/schema";
import { AppError } from "../../errors";
import type { Db, Trx } from "../../platform/db";
import { findMembersAmong, findThreadForMember } from "./threads.repository";

/** Which of these people are members of the thread, in one read. */
export async function membersAmong(db: Db | Trx, threadId: string, userIds: readonly string[]): Promise<Set<string>> {
  return new Set(await findMembersAmong(db, threadId, userIds));
}

/** The thread if this person is in it; otherwise THREAD_NOT_FOUND, so non-members learn nothing. */
export async function requireMembership(db: Db | Trx, threadId: string, userId: string): Promise<Thread> {
  const thread = await findThreadForMember(db, threadId, userId);
  if (!thread) throw threadNotFound(threadId);
  return thread;
}

/** What a non-member is told about a thread: nothing, not even that it exists. */
export const threadNotFound = (threadId: string) =>
  new AppError("THREAD_NOT_FOUND", { detail: `No thread ${threadId} that you are a member of` });
