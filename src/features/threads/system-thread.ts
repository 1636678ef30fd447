import type { Thread } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { publishEvent } from "../events";
import { findThreadByDirectKey, insertThreadIfAbsent, listMembers } from "./threads.repository";
import { toThreadDto } from "./threads.schemas";

/**
 * The one thread between a person and the service itself (its `serviceId` is the reserved
 * sender of notices), where the service's alerts to them arrive: opened the first time it is
 * needed, in the caller's transaction, and shown in the person's chat list at once.
 */
export async function systemThreadOf(
  trx: Trx,
  input: { personId: string; serviceId: string; title: string; at: Date },
): Promise<Thread> {
  const directKey = [input.personId, input.serviceId].sort().join(" ");
  const existing = await findThreadByDirectKey(trx, directKey);
  if (existing) return existing;
  const opened = await insertThreadIfAbsent(
    trx,
    {
      id: newId("thr"),
      kind: "direct",
      title: input.title,
      direct_key: directKey,
      created_by: input.serviceId,
      created_at: input.at,
    },
    [input.personId, input.serviceId],
  );
  // Opened meanwhile by another transaction (the unique key waited for it): that one is the thread.
  if (!opened) return (await findThreadByDirectKey(trx, directKey)) as Thread;
  await publishEvent(trx, {
    userIds: [input.personId],
    type: "thread.created",
    data: toThreadDto(opened, await listMembers(trx, [opened.id])),
    at: input.at,
  });
  return opened;
}
