import type { Thread, User } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import { publishEvent } from "../events";
import { insertThreadIfAbsent, listMembers } from "./threads.repository";
import { toThreadDto } from "./threads.schemas";

/**
 * Opens a thread with its members, unless one with its direct key exists (undefined then), and
 * tells these people at once, so it shows in their chat lists before anyone writes in it.
 */
export async function openThread(
  trx: Trx,
  row: Omit<Thread, "seq">,
  memberIds: readonly string[],
  tell: readonly string[],
): Promise<{ thread: Thread; members: (User & { thread_id: string })[] } | undefined> {
  const thread = await insertThreadIfAbsent(trx, row, memberIds);
  if (!thread) return undefined;
  const members = await listMembers(trx, [thread.id]);
  await publishEvent(trx, {
    userIds: tell,
    type: "thread.created",
    data: toThreadDto(thread, members),
    at: row.created_at,
  });
  return { thread, members };
}
