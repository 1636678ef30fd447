import type { Message } from "../../../db/schema";
import type { Deps } from "../../http/app-env";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { requireMembership } from "./require-membership";
import { insertMessage } from "./threads.repository";

/** Posts a text message to a thread the sender is a member of. */
export function postMessage(deps: Deps, input: { senderId: string; threadId: string; body: string }): Promise<Message> {
  return withTransaction(deps.db, async (trx) => {
    await requireMembership(trx, input.threadId, input.senderId);
    return insertMessage(trx, {
      id: newId("msg"),
      thread_id: input.threadId,
      sender_id: input.senderId,
      kind: "text",
      body: input.body,
      created_at: deps.clock.now(),
    });
  });
}
