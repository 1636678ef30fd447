import type { Insertable } from "kysely";
import type { Message, MessagesTable } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Trx, withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { publishEvent } from "../events";
import { requireMembership } from "./require-membership";
import { insertMessage, listMemberIds, revealMessageOfPayment } from "./threads.repository";
import { toMessageDto } from "./threads.schemas";

/** Posts a text message to a thread the sender is a member of (not a bank's: that goes through its link). */
export function postMessage(
  deps: Pick<Deps, "db" | "clock">,
  input: { senderId: string; threadId: string; body: string },
): Promise<Message> {
  return withTransaction(deps.db, async (trx) => {
    const thread = await requireMembership(trx, input.threadId, input.senderId);
    // A bank's thread is written to through its link, which relays only while the link is active.
    if (thread.kind === "bank") {
      throw new AppError("THREAD_WRITES_THROUGH_LINK", {
        detail: "Write to the bank with POST /v1/bank-links/{id}/messages",
      });
    }
    return postMessageInTransaction(trx, {
      id: newId("msg"),
      thread_id: input.threadId,
      sender_id: input.senderId,
      kind: "text",
      body: input.body,
      created_at: deps.clock.now(),
    });
  });
}

/**
 * Posts a message in the caller's transaction: a text, or the message of a payment or request
 * created in it. Every member of the thread (the sender's other devices too) is told; a message
 * only one person may see yet goes to that person alone.
 */
export async function postMessageInTransaction(trx: Trx, row: Insertable<MessagesTable>): Promise<Message> {
  const message = await insertMessage(trx, row);
  await publishEvent(trx, {
    userIds: message.visible_only_to ? [message.visible_only_to] : await listMemberIds(trx, message.thread_id),
    type: "message.created",
    data: toMessageDto(message),
    at: message.created_at,
  });
  return message;
}

/**
 * Shows a payment's message to the whole thread (it was its sender's alone while the payment
 * waited for confirmation) and tells the members who had not seen it; nothing when it was shown.
 */
export async function revealPaymentMessage(trx: Trx, paymentId: string, at: Date): Promise<void> {
  const revealed = await revealMessageOfPayment(trx, paymentId);
  if (!revealed) return;
  const { message, memberIds } = revealed;
  const others = memberIds.filter((id) => id !== message.sender_id);
  await publishEvent(trx, { userIds: others, type: "message.created", data: toMessageDto(message), at });
}
