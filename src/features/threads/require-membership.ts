import type { Thread } from "../../../db/schema";
import { AppError } from "../../errors";
import type { Db, Trx } from "../../platform/db";
import { findThreadForMember } from "./threads.repository";

/** Whether this person is a member of the thread. */
export async function isMember(db: Db | Trx, threadId: string, userId: string): Promise<boolean> {
  return (await findThreadForMember(db, threadId, userId)) !== undefined;
}

/** The thread if this person is in it; otherwise THREAD_NOT_FOUND, so non-members learn nothing. */
export async function requireMembership(db: Db | Trx, threadId: string, userId: string): Promise<Thread> {
  const thread = await findThreadForMember(db, threadId, userId);
  if (!thread) throw new AppError("THREAD_NOT_FOUND", { detail: `No thread ${threadId} that you are a member of` });
  return thread;
}
