import type { Thread, User } from "../../../db/schema";
import type { Deps } from "../../deps";
import { page } from "../../http/pagination";
import { listMembers, listThreadsForMember } from "./threads.repository";

/** The person's threads, newest first, each with its members. */
export async function listThreads(
  deps: Pick<Deps, "db">,
  input: { userId: string; beforeSeq: bigint | undefined; limit: number },
): Promise<{ items: { thread: Thread; members: User[] }[]; next_cursor: string | null }> {
  const rows = await listThreadsForMember(deps.db, input.userId, input.beforeSeq, input.limit + 1);
  const { items, next_cursor } = page(rows, input.limit);
  const members = await listMembers(
    deps.db,
    items.map((t) => t.id),
  );
  return {
    items: items.map((thread) => ({ thread, members: members.filter((m) => m.thread_id === thread.id) })),
    next_cursor,
  };
}
