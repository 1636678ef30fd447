/** Reporting a payment: a scam, a mistake (the recipient is asked to send it back), or not made by you. */
import { IdempotentAction } from "../api";
import type { Payment, Report } from "../api-types";
import type { Ctx } from "../context";
import { button, h } from "../dom";
import { formatMoney } from "../money";
import { inSheet, progress } from "./sheet-flow";

type Reason = Report["reason"];

/** What each person may report a payment as: the sender anything, the recipient a scam. */
function reasonsFor(payment: Payment, me: string): { reason: Reason; label: string }[] {
  const scam = { reason: "scam" as const, label: "It's a scam" };
  if (payment.sender_id !== me) return [scam];
  return [
    scam,
    { reason: "mistake", label: "I sent it to the wrong person or the wrong amount" },
    { reason: "unauthorized", label: "I didn't make this payment" },
  ];
}

/** A payment card's Report: why, an optional note, then what happens next. */
export function reportPayment(ctx: Ctx, payment: Payment): Promise<void> {
  return inSheet(ctx, "Report this payment", async (sheet) => {
    const me = ctx.store.me.id;
    const choice = await sheet.step<{ reason: Reason; note: string }>("Report this payment", (done) => {
      const note = h("textarea", { attrs: { maxlength: "500", rows: "3", "aria-label": "What happened? (optional)" } });
      const options = reasonsFor(payment, me).map(({ reason, label }) => {
        const b = button(label, "secondary", () => done({ reason, note: note.value.trim() }));
        b.dataset.reason = reason;
        return b;
      });
      return [
        h(
          "p",
          {},
          `${formatMoney(payment.amount_minor, payment.currency, ctx.locale)}${payment.memo ? `: ${payment.memo}` : ""}`,
        ),
        note,
        h("div", { className: "button-column" }, options),
      ];
    });
    sheet.show("Report this payment", progress("Sending your report…"));
    const body = { reason: choice.reason, ...(choice.note ? { note: choice.note } : {}) };
    const report = await new IdempotentAction().run({ id: payment.id, ...body }, (key) =>
      ctx.api.post<Report>(`/v1/payments/${encodeURIComponent(payment.id)}/reports`, { body, idempotencyKey: key }),
    );
    sheet.close();
    ctx.announce(
      report.return_request_id
        ? `Reported. We asked ${ctx.store.nameOf(payment.recipient_id)} to send it back.`
        : "Reported. Thank you: we look at every report.",
    );
  });
}
