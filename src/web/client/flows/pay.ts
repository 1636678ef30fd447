/**
 * Paying: first-time setup where it is missing, confirming with the biometric or the PIN,
 * 3-D Secure for a payment, waiting for its outcome, and the actions on a payment's card.
 * Request flows pay through it too; it never depends on them.
 */
import { ApiError, errorMessage, IdempotentAction } from "../api";
import type { Card, ConfirmationChallenge, CreatedPayment, Device, Payment, PinStatus, Thread } from "../api-types";
import type { Ctx } from "../context";
import { button, h } from "../dom";
import { paymentStatusText } from "../labels";
import { formatMoney } from "../money";
import type { Sheet } from "../sheet";
import { loadStripe, stripeMessage } from "../stripe-js";
import { enrollCard } from "./card";
import { offerPasskey } from "./passkey";
import { choosePin, pinErrorMessage } from "./pin";
import { inSheet, progress } from "./sheet-flow";
import { type Answer, askStepUp, confirmationResponse } from "./step-up";
import { askBankApproval, emulatorPost } from "./stripe-emulator";

/** How long the sheet waits for a 3-D Secure outcome to arrive on the live stream. */
const AUTHENTICATION_WAIT_MS = 20_000;
/** Confirmation errors after which the challenge cannot be used again. */
const RENEW_CHALLENGE = new Set([
  "CHALLENGE_EXPIRED",
  "CHALLENGE_ALREADY_USED",
  "CHALLENGE_NOT_FOUND",
  "CHALLENGE_MISMATCH",
  "CONFIRMABLE_CHANGED",
]);

/**
 * First-time setup, only where missing: a debit card to pay with, then a PIN (and the offer of
 * a biometric). Someone with a passkey but no PIN can already confirm. Returns the PIN when it
 * was set just now, for the payment that asked for it.
 */
export async function ensureReadyToPay(ctx: Ctx, sheet: Sheet): Promise<string | undefined> {
  sheet.show("Getting ready", progress("Checking your payment setup…"));
  const [cards, pin, devices] = await Promise.all([
    ctx.api.get<{ items: Card[] }>("/v1/cards"),
    ctx.api.get<PinStatus>("/v1/me/pin"),
    ctx.api.get<{ items: Device[] }>("/v1/me/devices"),
  ]);
  if (!cards.items.some((c) => c.is_default)) await enrollCard(ctx, sheet, "send");
  if (pin.state !== "not_set" || devices.items.length > 0) return undefined;
  const newPin = await choosePin(ctx, sheet, false);
  await offerPasskey(ctx, sheet);
  return newPin;
}

// ---------------------------------------------------------------------------------------------
// Confirmation

async function freshChallenge(ctx: Ctx, paymentId: string): Promise<ConfirmationChallenge> {
  return ctx.api.post<ConfirmationChallenge>(`/v1/payments/${encodeURIComponent(paymentId)}/confirmation`);
}

function paymentSummary(ctx: Ctx, payment: Payment): HTMLElement {
  return h(
    "div",
    { className: "summary" },
    h("p", { className: "summary-amount" }, formatMoney(payment.amount_minor, payment.currency, ctx.locale)),
    h("p", {}, `to ${ctx.store.nameOf(payment.recipient_id)}`),
    payment.memo ? h("p", { className: "memo" }, payment.memo) : null,
  );
}

/**
 * Confirms a payment with the person's biometric or PIN, as the challenge offers them. A wrong
 * PIN keeps the same challenge (it is not used up); an expired or used one is renewed. A PIN
 * set a moment ago for this payment answers first, without the pad: the person has just typed
 * it twice.
 */
async function confirmPayment(
  ctx: Ctx,
  sheet: Sheet,
  payment: Payment,
  challenge: ConfirmationChallenge | null,
  pinJustSet?: string,
): Promise<Payment> {
  let current = challenge ?? (await freshChallenge(ctx, payment.id));
  let preset: Answer | undefined = pinJustSet ? { method: "pin", pin: pinJustSet } : undefined;
  // The payment as last read: its risk warnings are what the person acknowledges.
  let shown = payment;
  let acknowledged = await acknowledgeWarnings(ctx, sheet, shown, []);
  let error: string | null = null;
  // Once the PIN is locked or disabled the pad is not offered again in this sheet.
  let pinBlocked = false;
  const title = `Confirm ${formatMoney(payment.amount_minor, payment.currency, ctx.locale)}`;
  for (;;) {
    const methods = current.methods.map((m) => m.method).filter((m) => m !== "pin" || !pinBlocked);
    if (methods.length === 0 && pinBlocked) throw new Error(error ?? "Your PIN is locked");
    const offered: Answer | undefined = preset && methods.includes(preset.method) ? preset : undefined;
    preset = undefined;
    const answer: Answer =
      offered ?? (await askStepUp(sheet, { title, lead: paymentSummary(ctx, shown), methods, error }));
    sheet.show(title, progress("Confirming…"));
    try {
      const response = await confirmationResponse(current, answer);
      // No Idempotency-Key: a confirmation is safe to repeat by the payment's own id, and the body holds the PIN.
      const confirmed = await ctx.api.post<Payment>(`/v1/payments/${encodeURIComponent(payment.id)}/confirm`, {
        body: {
          challenge_id: current.challenge_id,
          method: answer.method,
          response,
          acknowledged_warnings: acknowledged,
        },
      });
      return ctx.store.putPayment(confirmed);
    } catch (err) {
      error = answer.method === "pin" ? pinErrorMessage(err) : errorMessage(err);
      // A lost answer may still have confirmed it: ask the payment itself before trying again.
      const now = await ctx.store.fetchPayment(payment.id).catch(() => undefined);
      if (now && now.status !== "requires_confirmation") return now;
      // New warnings since the payment was created (someone reported the recipient meanwhile).
      if (now && err instanceof ApiError && err.code === "RISK_WARNINGS_NOT_ACKNOWLEDGED") {
        shown = now;
        acknowledged = await acknowledgeWarnings(ctx, sheet, shown, acknowledged);
        error = null;
        if (answer.method === "pin") preset = answer;
      }
      if (err instanceof ApiError && RENEW_CHALLENGE.has(err.code)) current = await freshChallenge(ctx, payment.id);
      if (err instanceof ApiError && (err.code === "PIN_LOCKED" || err.code === "PIN_DISABLED")) pinBlocked = true;
      if (err instanceof ApiError && (err.code === "PAYMENT_EXPIRED" || err.status === 404)) throw err;
    }
  }
}

/**
 * The payment's risk warnings not yet acknowledged, one plain sentence each, before anything
 * else: the person reads them and says they understand (or closes the sheet). Resolves to every
 * code acknowledged so far, for the confirmation to send.
 */
async function acknowledgeWarnings(ctx: Ctx, sheet: Sheet, payment: Payment, done: string[]): Promise<string[]> {
  const fresh = (payment.risk?.warnings ?? []).filter((w) => !done.includes(w.code));
  if (fresh.length === 0) return done;
  await sheet.step<void>("Before you pay", (next) => {
    const understood = button("I understand, continue", "primary", () => next());
    understood.dataset.action = "acknowledge";
    return [paymentSummary(ctx, payment), riskWarnings(fresh), understood];
  });
  return [...done, ...fresh.map((w) => w.code)];
}

/** Risk warnings as a list the person reads (and a screen reader announces as a note). */
export function riskWarnings(warnings: readonly { code: string; message: string }[]): HTMLElement {
  return h(
    "ul",
    { className: "risk-warnings", attrs: { role: "note", "aria-label": "Warnings about this payment" } },
    warnings.map((w) => h("li", { attrs: { "data-warning": w.code } }, w.message)),
  );
}

// ---------------------------------------------------------------------------------------------
// 3-D Secure and the outcome

/** Waits for the live stream to bring the payment to a state the predicate accepts. */
function awaitPayment(
  ctx: Ctx,
  id: string,
  accept: (p: Payment) => boolean,
  timeoutMs: number,
): Promise<Payment | undefined> {
  const known = ctx.store.payments.get(id);
  if (known && accept(known)) return Promise.resolve(known);
  return new Promise((resolve) => {
    const stop = new AbortController();
    const timer = setTimeout(() => {
      stop.abort();
      resolve(ctx.store.payments.get(id));
    }, timeoutMs);
    ctx.store.on(
      "payment",
      (p) => {
        if (p.id !== id || !accept(p)) return;
        clearTimeout(timer);
        stop.abort();
        resolve(p);
      },
      stop.signal,
    );
  });
}

/** 3-D Secure for a payment: the emulator's stand-in page, or Stripe.js with real keys. */
async function authenticatePayment(ctx: Ctx, sheet: Sheet, payment: Payment): Promise<Payment> {
  const paymentIntentId = payment.next_action?.payment_intent_id;
  if (!paymentIntentId) return payment;
  const base = ctx.config.stripe.emulator_base_path;
  if (ctx.config.stripe.mode === "emulator" && base) {
    const approve = await askBankApproval(sheet, "Your bank asks you to confirm this payment.");
    sheet.show("Confirm with your bank", progress("Waiting for your bank…"));
    await emulatorPost(
      `${base}/_emulator/payment_intents/${encodeURIComponent(paymentIntentId)}/authenticate`,
      ctx.config.stripe.publishable_key,
      { outcome: approve ? "succeed" : "fail" },
    );
  } else {
    const key = ctx.config.stripe.publishable_key;
    if (!key) throw new Error("The server has no Stripe publishable key configured");
    // Live events leave the secret out; the sender's own GET carries it.
    const withSecret = payment.next_action?.client_secret ? payment : await ctx.store.fetchPayment(payment.id);
    const clientSecret = withSecret.next_action?.client_secret;
    if (!clientSecret) throw new Error("This payment no longer needs your bank's confirmation");
    const stripe = await loadStripe(key);
    sheet.show("Confirm with your bank", progress("Waiting for your bank…"));
    const result = await stripe.handleNextAction({ clientSecret });
    if (result.error) throw new Error(stripeMessage(result.error, "Your bank did not confirm the payment"));
  }
  // The outcome reaches the API by Stripe's webhook; the live stream brings it here.
  const settled = await awaitPayment(
    ctx,
    payment.id,
    (p) => p.status !== "requires_action" && p.status !== "processing",
    AUTHENTICATION_WAIT_MS,
  );
  return settled ?? (await ctx.store.fetchPayment(payment.id));
}

/** After confirming: 3-D Secure if the card asks, then the outcome (a failure stays on screen). */
async function finishPayment(ctx: Ctx, sheet: Sheet, payment: Payment): Promise<void> {
  let result = payment;
  if (result.status === "requires_action") result = await authenticatePayment(ctx, sheet, result);
  const status = paymentStatusText(result, ctx.store.me.id, (id) => ctx.store.nameOf(id), ctx.locale);
  if (result.status === "failed" || result.status === "requires_action") {
    const close = button("Close", "primary", () => sheet.close());
    sheet.show(
      result.status === "failed" ? "Payment not sent" : "Payment not finished",
      paymentSummary(ctx, result),
      h("p", { className: "error", attrs: { role: "alert" } }, status),
      close,
    );
    return;
  }
  sheet.close();
  ctx.announce(
    `${formatMoney(result.amount_minor, result.currency, ctx.locale)} sent to ${ctx.store.nameOf(result.recipient_id)}. ${status}.`,
  );
}

/**
 * A payment just created (sent, or paying a request): confirmed where it waits for that, with the
 * PIN set for it a moment ago if there is one, then finished.
 */
export async function completePayment(
  ctx: Ctx,
  sheet: Sheet,
  created: CreatedPayment,
  pinJustSet: string | undefined,
): Promise<void> {
  ctx.store.putPayment(created.payment);
  const confirmed =
    created.payment.status === "requires_confirmation"
      ? await confirmPayment(ctx, sheet, created.payment, created.confirmation, pinJustSet)
      : created.payment;
  await finishPayment(ctx, sheet, confirmed);
}

// ---------------------------------------------------------------------------------------------
// The $ sheet's Pay, and the actions on a payment's card

/** What Pay sends from the $ sheet: an amount, with its memo, to one member of the thread. */
export type PaymentDraft = { recipientId: string; amountMinor: number; currency: string; memo: string };

/**
 * The $ sheet's Pay, for as long as the sheet is open: setup where needed, the payment, then its
 * confirmation and outcome. Retries of the same payment keep its Idempotency-Key.
 */
export function payFromSheet(
  ctx: Ctx,
  sheet: Sheet,
  title: string,
  thread: Thread,
): (draft: PaymentDraft) => Promise<void> {
  const action = new IdempotentAction();
  return async (draft: PaymentDraft): Promise<void> => {
    const pinJustSet = await ensureReadyToPay(ctx, sheet);
    const body = {
      recipient_id: draft.recipientId,
      amount_minor: draft.amountMinor,
      currency: draft.currency,
      ...(draft.memo ? { memo: draft.memo } : {}),
    };
    sheet.show(title, progress("Sending…"));
    const created = await action.run(body, (key) =>
      ctx.api.post<CreatedPayment>(`/v1/threads/${encodeURIComponent(thread.id)}/payments`, {
        body,
        idempotencyKey: key,
      }),
    );
    await completePayment(ctx, sheet, created, pinJustSet);
  };
}

/** A payment card's Confirm: a fresh challenge, then biometric or PIN. */
export function confirmExistingPayment(ctx: Ctx, payment: Payment): Promise<void> {
  return inSheet(ctx, "Confirm payment", async (sheet) => {
    const confirmed = await confirmPayment(ctx, sheet, payment, null);
    await finishPayment(ctx, sheet, confirmed);
  });
}

/** A payment card's 3-D Secure prompt, for a sender who closed the sheet before finishing it. */
export function authenticateExistingPayment(ctx: Ctx, payment: Payment): Promise<void> {
  return inSheet(ctx, "Confirm with your bank", async (sheet) => {
    await finishPayment(ctx, sheet, payment);
  });
}

/** Cancel, decline and the other one-tap actions: each a money-moving POST with its own key. */
export async function paymentAction(ctx: Ctx, payment: Payment, action: "cancel" | "decline"): Promise<void> {
  const updated = await new IdempotentAction().run({ id: payment.id, action }, (key) =>
    ctx.api.post<Payment>(`/v1/payments/${encodeURIComponent(payment.id)}/${action}`, { idempotencyKey: key }),
  );
  ctx.store.putPayment(updated);
}
