import type { Thread } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import { forgetEvents } from "../events";
import { openThread } from "./open-thread";
import { deleteMessagesById, listMemberIds, lockThreadMessages } from "./threads.repository";

/**
 * Threads a service opens for a person with a party that is not a person (a linked bank): the
 * person and the party are its members, and the person's chat list shows it at once.
 */
export async function openServiceThread(
  trx: Trx,
  input: { id: string; kind: "bank"; title: string; personId: string; partyId: string; at: Date },
): Promise<Thread> {
  const opened = await openThread(
    trx,
    {
      id: input.id,
      kind: input.kind,
      title: input.title,
      direct_key: null,
      created_by: input.personId,
      created_at: input.at,
    },
    [input.personId, input.partyId],
    [input.personId],
  );
  if (!opened) throw new Error(`Thread ${input.id} already exists`);
  return opened.thread;
}

/**
 * Deletes a thread's messages (all, or those written before a time) and every live event that
 * carried them, in the caller's transaction; returns the deleted messages' ids. For content
 * the service promised not to keep (a bank thread's, when the link ends or its retention passes).
 */
export async function deleteThreadMessages(trx: Trx, input: { threadId: string; before?: Date }): Promise<string[]> {
  const messages = await lockThreadMessages(trx, input.threadId, input.before);
  const doomed = messages.map((m) => m.id);
  if (doomed.length === 0) return [];
  await forgetEvents(trx, { userIds: await listMemberIds(trx, input.threadId), objectIds: doomed });
  await deleteMessagesById(trx, doomed);
  return doomed;
}
