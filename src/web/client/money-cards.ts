import { ApiError, errorMessage } from "./api";
import type { Message, Payment, PaymentRequest } from "./api-types";
import type { Ctx } from "./context";
import { busy, h, replace } from "./dom";
import { addCardToReceive } from "./flows/card";
import { authenticateExistingPayment, confirmExistingPayment, paymentAction, riskWarnings } from "./flows/pay";
import { reportPayment } from "./flows/report";
import { payRequest, requestAction } from "./flows/request";
import {
  ownShareText,
  paymentHeadline,
  paymentStatusText,
  requestHeadline,
  requestStatusText,
  shareStatusText,
} from "./labels";
import { formatMoney } from "./money";

/** Terminal or settled states get a calm colour; waiting ones a highlighted one. */
function tone(status: string): string {
  if (["paid_out", "completed"].includes(status)) return "good";
  if (["failed", "declined", "expired", "canceled", "refunded"].includes(status)) return "ended";
  return "waiting";
}

function actionButton(label: string, kind: "primary" | "secondary", name: string, run: () => Promise<void>) {
  const b = h("button", { type: "button", className: kind, attrs: { "data-action": name } }, label);
  b.addEventListener("click", () => void busy(b, run));
  return b;
}

/**
 * Re-renders a card in place when its object changes, keeping keyboard focus on the same
 * action if it is still there (a live update must not throw a keyboard user out).
 */
function rerender(card: HTMLElement, render: () => void): void {
  const focused = card.contains(document.activeElement)
    ? (document.activeElement as HTMLElement).dataset.action
    : undefined;
  render();
  if (focused) card.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
}

/** A place for a card's error, and a wrapper that shows an action's failure there instead of throwing. */
function errorSlot() {
  const problem = h("p", { className: "error", hidden: true, attrs: { role: "alert" } });
  const guard = async (work: () => Promise<void>) => {
    problem.hidden = true;
    try {
      await work();
    } catch (err) {
      problem.textContent = errorMessage(err);
      problem.hidden = false;
    }
  };
  return { problem, guard };
}

/**
 * A payment message: amount, memo, status and what the viewer can do, kept live. The API shows
 * a payment to its sender and recipient only, so another member of a group sees the message's
 * own text (the amount and memo) under the sender's name instead.
 */
export function paymentCard(ctx: Ctx, paymentId: string, message: Message, scope: AbortSignal): HTMLElement {
  const card = h("article", { className: "money-card payment", attrs: { "data-payment-id": paymentId } });
  const { problem, guard } = errorSlot();

  // Set when the API answers that this viewer may not see the payment.
  let notTheirs = false;
  const render = () => {
    const p = ctx.store.payments.get(paymentId);
    if (!p && notTheirs) {
      card.className = "money-card payment tone-ended";
      replace(
        card,
        h("p", { className: "money-card-kind" }, `${ctx.store.nameOf(message.sender_id)} sent a payment`),
        h("p", {}, message.body),
      );
      return;
    }
    if (!p) {
      replace(card, h("p", { className: "muted" }, "Loading payment…"));
      return;
    }
    const me = ctx.store.me.id;
    const nameOf = (id: string) => ctx.store.nameOf(id);
    const amount = formatMoney(p.amount_minor, p.currency, ctx.locale);
    const status = paymentStatusText(p, me, nameOf, ctx.locale);
    card.dataset.status = p.status;
    card.className = `money-card payment tone-${tone(p.status)}`;
    card.setAttribute("aria-label", `Payment of ${amount}: ${status}`);
    const actions = actionsFor(ctx, p, guard);
    replace(
      card,
      h("p", { className: "money-card-kind" }, paymentHeadline(p, me, nameOf), p.request_id ? " · for a request" : ""),
      h("p", { className: "money-amount" }, amount),
      p.memo ? h("p", { className: "memo" }, p.memo) : null,
      // The sender's risk warnings, while they decide whether to confirm.
      p.status === "requires_confirmation" && p.risk?.warnings.length ? riskWarnings(p.risk.warnings) : null,
      h("p", { className: "status", attrs: { "data-status": p.status } }, status),
      actions.length ? h("div", { className: "button-row" }, actions) : null,
      problem,
    );
  };

  ctx.store.on("payment", (p) => p.id === paymentId && rerender(card, render), scope);
  ctx.store.on("users", () => rerender(card, render), scope);
  render();
  if (!ctx.store.payments.has(paymentId)) {
    ctx.store.fetchPayment(paymentId).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) {
        notTheirs = true;
        rerender(card, render);
        return;
      }
      replace(card, h("p", { className: "error" }, `This payment could not be loaded: ${errorMessage(err)}`));
    });
  }
  return card;
}

function actionsFor(ctx: Ctx, p: Payment, guard: (work: () => Promise<void>) => Promise<void>): HTMLButtonElement[] {
  const buttons: HTMLButtonElement[] = [];
  if (p.actions.includes("confirm")) {
    buttons.push(actionButton("Confirm", "primary", "confirm", () => confirmExistingPayment(ctx, p)));
  }
  if (p.next_action) {
    buttons.push(
      actionButton("Confirm with your bank", "primary", "authenticate", () => authenticateExistingPayment(ctx, p)),
    );
  }
  if (p.actions.includes("add_card_to_receive")) {
    buttons.push(actionButton("Add a debit card to receive", "primary", "add_card", () => addCardToReceive(ctx)));
  }
  if (p.actions.includes("decline")) {
    buttons.push(actionButton("Decline", "secondary", "decline", () => guard(() => paymentAction(ctx, p, "decline"))));
  }
  if (p.actions.includes("cancel")) {
    buttons.push(
      actionButton("Cancel payment", "secondary", "cancel", () => guard(() => paymentAction(ctx, p, "cancel"))),
    );
  }
  // Once sent, either person can report it (a scam; the sender also a mistake or one they did not make).
  if (p.funding !== null) buttons.push(actionButton("Report", "secondary", "report", () => reportPayment(ctx, p)));
  return buttons;
}

/**
 * A request message, kept live: for someone asked, their own share first ("You owe $10.00", with
 * Pay and Decline); the total and memo; in a split, every share with who has paid and who has
 * not; and Cancel for its author.
 */
export function requestCard(ctx: Ctx, requestId: string, scope: AbortSignal): HTMLElement {
  const card = h("article", { className: "money-card request", attrs: { "data-request-id": requestId } });
  const { problem, guard } = errorSlot();

  const render = () => {
    const r = ctx.store.requests.get(requestId);
    if (!r) {
      replace(card, h("p", { className: "muted" }, "Loading request…"));
      return;
    }
    const me = ctx.store.me.id;
    const nameOf = (id: string) => ctx.store.nameOf(id);
    const amount = formatMoney(r.amount_minor, r.currency, ctx.locale);
    const status = requestStatusText(r, me, nameOf);
    card.dataset.status = r.status;
    card.className = `money-card request tone-${tone(r.status)}`;
    card.setAttribute("aria-label", `Request for ${amount}: ${status}`);
    const buttons = requestButtons(ctx, r, guard);
    const mine = r.shares.find((s) => s.payer_id === me);
    const money = (amountMinor: number) => formatMoney(amountMinor, r.currency, ctx.locale);
    replace(
      card,
      h("p", { className: "money-card-kind" }, requestHeadline(r, me, nameOf)),
      mine
        ? h(
            "p",
            { className: "money-amount own-share", attrs: { "data-share-status": mine.status } },
            ownShareText(mine, r, money(mine.amount_minor)),
          )
        : h("p", { className: "money-amount" }, amount),
      mine && mine.amount_minor !== r.amount_minor ? h("p", { className: "muted" }, `Your share of ${amount}`) : null,
      r.memo ? h("p", { className: "memo" }, r.memo) : null,
      r.shares.length > 1
        ? h(
            "ul",
            { className: "shares", attrs: { "aria-label": "Who has paid" } },
            r.shares.map((share) =>
              h(
                "li",
                { attrs: { "data-payer-id": share.payer_id, "data-share-status": share.status } },
                h("span", { className: "share-name" }, nameOf(share.payer_id)),
                h("span", { className: "share-amount" }, money(share.amount_minor)),
                h("span", { className: "share-status" }, shareStatusText(share.status)),
              ),
            ),
          )
        : null,
      h("p", { className: "status", attrs: { "data-status": r.status } }, status),
      buttons.length ? h("div", { className: "button-row" }, buttons) : null,
      problem,
    );
  };

  ctx.store.on("request", (r) => r.id === requestId && rerender(card, render), scope);
  ctx.store.on("users", () => rerender(card, render), scope);
  render();
  if (!ctx.store.requests.has(requestId)) {
    ctx.store.fetchRequest(requestId).catch((err: unknown) => {
      replace(card, h("p", { className: "error" }, `This request could not be loaded: ${errorMessage(err)}`));
    });
  }
  return card;
}

function requestButtons(
  ctx: Ctx,
  r: PaymentRequest,
  guard: (work: () => Promise<void>) => Promise<void>,
): HTMLButtonElement[] {
  if (r.status !== "open") return [];
  const me = ctx.store.me.id;
  const mine = r.shares.find((s) => s.payer_id === me);
  const buttons: HTMLButtonElement[] = [];
  if (mine?.status === "pending") {
    const amount = formatMoney(mine.amount_minor, r.currency, ctx.locale);
    buttons.push(actionButton(`Pay ${amount}`, "primary", "pay", () => payRequest(ctx, r)));
    buttons.push(actionButton("Decline", "secondary", "decline", () => guard(() => requestAction(ctx, r, "decline"))));
  }
  if (r.author_id === me) {
    buttons.push(
      actionButton("Cancel request", "secondary", "cancel", () => guard(() => requestAction(ctx, r, "cancel"))),
    );
  }
  return buttons;
}
