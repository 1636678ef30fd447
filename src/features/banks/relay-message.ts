import type { Deps } from "../../deps";
import { afterCommit } from "../../platform/after-commit";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { postMessageInTransaction } from "../threads";
import { findOutbox } from "./banks.repository";
import { deliverOutbox, queueForBank } from "./deliver-outbox";
import { logAccess } from "./link-context";
import { lockActiveLink, requireActiveLink } from "./require-link";

/**
 * What the person writes in the bank's thread, relayed to the bank (only that text, only while
 * the link is active): posted in the thread and queued in one transaction, then sent signed
 * and idempotent (the sweep retries). The bank's replies come back as its webhooks. The same
 * retention and deletion as the bank's messages apply.
 */
export async function relayMessage(
  deps: Pick<Deps, "db" | "clock" | "config" | "logger">,
  input: { userId: string; linkId: string; body: string },
): Promise<{ messageId: string; status: "pending" | "sent" | "failed" }> {
  const now = deps.clock.now();
  const link = await requireActiveLink(deps.db, { linkId: input.linkId, userId: input.userId, now });
  const queued = await withTransaction(deps.db, async (trx) => {
    await lockActiveLink(trx, link.id);
    const message = await postMessageInTransaction(trx, {
      id: newId("msg"),
      thread_id: link.thread_id ?? "",
      sender_id: input.userId,
      kind: "text",
      body: input.body,
      created_at: now,
    });
    const outbox = await queueForBank(trx, {
      linkId: link.id,
      kind: "message",
      payload: { message_id: message.id, text: input.body },
      at: now,
    });
    await logAccess(trx, link, "message_relayed", now, { message_id: message.id });
    return { messageId: message.id, outboxId: outbox.id };
  });
  await afterCommit(deps, "bank message relay", () => deliverOutbox(deps, { id: queued.outboxId }));
  const item = await findOutbox(deps.db, queued.outboxId);
  return { messageId: queued.messageId, status: item?.state ?? "pending" };
}
