import type { Thread } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { openThread } from "./open-thread";
import { findThreadByDirectKey } from "./threads.repository";

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
  const opened = await openThread(
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
    [input.personId],
  );
  // Opened meanwhile by another transaction (the unique key waited for it): that one is the thread.
  return opened?.thread ?? ((await findThreadByDirectKey(trx, directKey)) as Thread);
}
