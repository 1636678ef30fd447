/** Requests: sending one from the $ sheet (split in a group), paying one, and the actions on its card. */
import { IdempotentAction } from "../api";
import type { CreatedPayment, PaymentRequest, Thread, User } from "../api-types";
import type { Ctx } from "../context";
import { formatMoney } from "../money";
import type { Sheet } from "../sheet";
import { chooseSplit, newSplitState } from "../split-step";
import { completePayment, ensureReadyToPay } from "./pay";
import { inSheet, progress } from "./sheet-flow";

/** What Request sends from the $ sheet: an amount with its memo, and whom a direct thread asks. */
export type RequestDraft = { amountMinor: number; currency: string; memo: string; recipientId: string };

/**
 * The $ sheet's Request, for as long as the sheet is open (the split chosen in a group is kept
 * when the person goes back to change the amount, and retries keep the Idempotency-Key). Resolves
 * false when the person went back from the split step instead of sending.
 */
export function requestFromSheet(
  ctx: Ctx,
  sheet: Sheet,
  title: string,
  thread: Thread,
  others: User[],
): (draft: RequestDraft) => Promise<boolean> {
  const split = newSplitState(others);
  const action = new IdempotentAction();
  return async (draft) => {
    // A group says who is asked and how the total is split; a direct thread asks the other person.
    const asked =
      thread.kind === "group"
        ? await chooseSplit(
            ctx,
            sheet,
            `Request ${formatMoney(draft.amountMinor, draft.currency, ctx.locale)}`,
            others,
            draft,
            split,
          )
        : { payer_ids: [draft.recipientId] };
    if (!asked) return false;
    const body = {
      amount_minor: draft.amountMinor,
      currency: draft.currency,
      ...(draft.memo ? { memo: draft.memo } : {}),
      ...asked,
    };
    sheet.show(title, progress("Sending your request…"));
    const request = await action.run(body, (key) =>
      ctx.api.post<PaymentRequest>(`/v1/threads/${encodeURIComponent(thread.id)}/requests`, {
        body,
        idempotencyKey: key,
      }),
    );
    ctx.store.putRequest(request);
    sheet.close();
    ctx.announce(`Requested ${formatMoney(request.amount_minor, request.currency, ctx.locale)}`);
    return true;
  };
}

/** A request card's Pay: setup where needed, a payment linked to the request, then confirmation. */
export function payRequest(ctx: Ctx, request: PaymentRequest): Promise<void> {
  const action = new IdempotentAction();
  return inSheet(ctx, "Pay request", async (sheet) => {
    const pinJustSet = await ensureReadyToPay(ctx, sheet);
    sheet.show("Pay request", progress("Preparing the payment…"));
    const created = await action.run({ request: request.id }, (key) =>
      ctx.api.post<CreatedPayment>(`/v1/requests/${encodeURIComponent(request.id)}/pay`, { idempotencyKey: key }),
    );
    await completePayment(ctx, sheet, created, pinJustSet);
  });
}

export async function requestAction(ctx: Ctx, request: PaymentRequest, action: "cancel" | "decline"): Promise<void> {
  const updated = await new IdempotentAction().run({ id: request.id, action }, (key) =>
    ctx.api.post<PaymentRequest>(`/v1/requests/${encodeURIComponent(request.id)}/${action}`, { idempotencyKey: key }),
  );
  ctx.store.putRequest(updated);
}
