import type { BankAlert } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { afterCommit } from "../../platform/after-commit";
import { withTransaction } from "../../platform/db";
import { lockAlert, updateAlert } from "./banks.repository";
import { deliverOutbox, queueForBank } from "./deliver-outbox";
import { logAccess, publishAlert } from "./link-context";
import { lockActiveLink, requireActiveLink } from "./require-link";

/**
 * The person's answer to a fraud alert ("It was me" / "Not me"): recorded once, and queued for
 * the bank in the same transaction, then sent at once (signed, idempotent; the sweep retries
 * what did not go). The bank's outcome (card frozen, alert closed) comes back as a message.
 * Answering again the same way is a no-op; answering differently is refused.
 */
export async function answerAlert(
  deps: Pick<Deps, "db" | "clock" | "config" | "logger">,
  input: { userId: string; linkId: string; alertId: string; answer: "it_was_me" | "not_me" },
): Promise<BankAlert> {
  const now = deps.clock.now();
  await requireActiveLink(deps.db, { linkId: input.linkId, userId: input.userId, now, scope: "fraud_alerts" });
  const result = await withTransaction(deps.db, async (trx) => {
    // The link first, then its alert: the order ending a link takes them in (no deadlock with it).
    await lockActiveLink(trx, input.linkId);
    const alert = await lockAlert(trx, input.alertId);
    if (alert?.link_id !== input.linkId) {
      throw new AppError("BANK_ALERT_NOT_FOUND", { detail: `No alert ${input.alertId} on this link` });
    }
    if (alert.status !== "open") {
      if (alert.answer === input.answer) return { alert, outboxId: undefined };
      throw new AppError("BANK_ALERT_ANSWERED", { detail: "This alert was already answered or closed" });
    }
    const answered = await updateAlert(trx, alert.id, { status: "answered", answer: input.answer, updated_at: now });
    const outbox = await queueForBank(trx, {
      linkId: alert.link_id,
      kind: "fraud_answer",
      payload: { bank_alert_id: alert.bank_alert_id, answer: input.answer },
      at: now,
    });
    await publishAlert(trx, input.userId, answered, now);
    await logAccess(trx, { id: alert.link_id, user_id: input.userId }, "alert_answered", now, {
      alert_id: alert.id,
      answer: input.answer,
    });
    return { alert: answered, outboxId: outbox.id };
  });
  const { outboxId } = result;
  if (outboxId) await afterCommit(deps, "bank fraud answer", () => deliverOutbox(deps, { id: outboxId }));
  return result.alert;
}
