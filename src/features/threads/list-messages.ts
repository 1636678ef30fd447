import type { Message } from "../../../db/schema";
import type { Deps } from "../../deps";
import { page } from "../../http/pagination";
import { requireMembership } from "./require-membership";
import { listMessages as listMessageRows } from "./threads.repository";

/** A thread's messages, newest first, for a member of it. */
export async function listMessages(
  deps: Pick<Deps, "db">,
  input: { userId: string; threadId: string; beforeSeq: bigint | undefined; limit: number },
): Promise<{ items: Message[]; next_cursor: string | null }> {
  await requireMembership(deps.db, input.threadId, input.userId);
  return page(
    await listMessageRows(deps.db, input.threadId, input.userId, input.beforeSeq, input.limit + 1),
    input.limit,
  );
}
