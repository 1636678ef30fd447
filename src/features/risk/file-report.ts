import type { RiskReport, RiskReportReason } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Trx, withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { getPayment, isConfirmed } from "../payments";
import { createRequest } from "../requests";
import { membersAmong } from "../threads";
import { limitIfReported } from "./limit-person";
import { insertReport, setReturnRequest } from "./risk.repository";

/** A mistaken payment that has reached its recipient: they are asked to send it back. */
const RETURNABLE = new Set(["paying_out", "paid_out"]);

/**
 * The sender or the recipient reports a payment: a scam, a mistake or (the sender) one they did
 * not make. The other person is the report's subject. A mistake that already reached the
 * recipient asks them, in the thread, to send it back (a request they pay in one tap); money
 * still waiting or held can simply be canceled. Reporting again the same way changes nothing.
 */
export async function reportPayment(
  deps: Deps,
  input: { userId: string; paymentId: string; reason: RiskReportReason; note: string | undefined },
): Promise<RiskReport> {
  const payment = await getPayment(deps, { userId: input.userId, paymentId: input.paymentId });
  const isSender = payment.sender_id === input.userId;
  if (!isConfirmed(payment)) {
    throw new AppError("REPORT_NOT_ALLOWED", { detail: "This payment was never sent; cancel it instead" });
  }
  if (input.reason === "abuse") {
    throw new AppError("REPORT_NOT_ALLOWED", { detail: "Report a payment as a scam, a mistake or unauthorized" });
  }
  if (!isSender && input.reason !== "scam") {
    throw new AppError("REPORT_NOT_ALLOWED", {
      detail: "Only the sender can report a payment as a mistake or unauthorized",
    });
  }
  return withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    const { report, created } = await insertReport(trx, {
      id: newId("rpt"),
      reporter_id: input.userId,
      subject_id: isSender ? payment.recipient_id : payment.sender_id,
      payment_id: payment.id,
      reason: input.reason,
      note: input.note ?? null,
      status: "open",
      return_request_id: null,
      created_at: now,
      resolved_at: null,
    });
    if (!created) return report;
    if (input.reason === "mistake" && RETURNABLE.has(payment.status)) {
      const { request } = await createRequest(
        { ...deps, db: trx },
        {
          authorId: payment.sender_id,
          threadId: payment.thread_id,
          amountMinor: payment.amount_minor,
          currency: payment.currency,
          memo: "Sent to you by mistake: please send it back",
          payerIds: [payment.recipient_id],
          shares: undefined,
          includeSelf: false,
        },
      );
      return setReturnRequest(trx, report.id, request.id);
    }
    await limitIfReported(deps, trx, report.subject_id);
    return report;
  });
}

/** Someone reports a person they share a thread with (a scam attempt, abuse); anyone else: not found. */
export async function reportPerson(
  deps: Deps,
  input: { userId: string; subjectId: string; threadId: string; reason: RiskReportReason; note: string | undefined },
): Promise<RiskReport> {
  const notFound = new AppError("PERSON_NOT_FOUND", { detail: `No one ${input.subjectId} in that thread of yours` });
  if (input.subjectId === input.userId) throw notFound;
  if (input.reason === "mistake" || input.reason === "unauthorized") {
    throw new AppError("REPORT_NOT_ALLOWED", { detail: "Report the payment itself as a mistake or unauthorized" });
  }
  const members = await membersAmong(deps.db, input.threadId, [input.userId, input.subjectId]);
  if (!members.has(input.userId) || !members.has(input.subjectId)) throw notFound;
  return withTransaction(deps.db, async (trx: Trx) => {
    const { report } = await insertReport(trx, {
      id: newId("rpt"),
      reporter_id: input.userId,
      subject_id: input.subjectId,
      payment_id: null,
      reason: input.reason,
      note: input.note ?? null,
      status: "open",
      return_request_id: null,
      created_at: deps.clock.now(),
      resolved_at: null,
    });
    return report;
  });
}
