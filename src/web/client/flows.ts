import { pinWeakness } from "../../features/pin/pin-rules";
import { ApiError, errorMessage, IdempotentAction, NetworkError } from "./api";
import type {
  Card,
  CardSetup,
  ConfirmationChallenge,
  CreatedPayment,
  Device,
  Payment,
  PaymentRequest,
  PinStatus,
  RegistrationOptions,
  Thread,
} from "./api-types";
import type { Ctx } from "./context";
import { button, buttonRow, type Child, errorBox, errorLine, field, h, uniqueId } from "./dom";
import { amountKeypad, pinPad } from "./keypads";
import { cardLabel, paymentStatusText, sortTestCards, testCardLabel } from "./labels";
import { formatMoney, parseAmount } from "./money";
import { Cancelled, Sheet } from "./sheet";
import { chooseSplit, newSplitState } from "./split-step";
import { loadStripe, type StripeCardElement, stripeMessage } from "./stripe-js";
import {
  assertionToJson,
  type CreationOptionsJson,
  passkeysAvailable,
  type RequestOptionsJson,
  registrationToJson,
  toCreationOptions,
  toRequestOptions,
  webauthnErrorMessage,
} from "./webauthn";

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

/** Runs a flow in its own sheet; a closed sheet ends it quietly, anything else is shown in it. */
async function inSheet(ctx: Ctx, title: string, flow: (sheet: Sheet) => Promise<void>): Promise<void> {
  const sheet = new Sheet(title, ctx.viewSignal());
  try {
    await flow(sheet);
  } catch (err) {
    if (err instanceof Cancelled) return;
    if (sheet.closed) {
      ctx.announce(errorMessage(err));
      return;
    }
    const close = h("button", { type: "button", className: "primary" }, "Close");
    close.addEventListener("click", () => sheet.close());
    sheet.show("Could not finish", h("p", { className: "error", attrs: { role: "alert" } }, errorMessage(err)), close);
  }
}

const progress = (text: string): Child => h("p", { className: "progress", attrs: { role: "status" } }, text);

// ---------------------------------------------------------------------------------------------
// Cards

/** Form-encoded POST to the Stripe emulator through the app's same-origin proxy, as Stripe.js would. */
async function emulatorPost(
  path: string,
  publishableKey: string | null,
  form: Record<string, string>,
): Promise<{ id: string; status: string }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${publishableKey ?? ""}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(form),
    });
  } catch (cause) {
    throw new NetworkError(cause);
  }
  const body = (await response.json().catch(() => ({}))) as {
    id?: string;
    status?: string;
    error?: { message?: string };
  };
  if (!response.ok || body.error)
    throw new Error(body.error?.message ?? `The card service answered ${response.status}`);
  return { id: body.id ?? "", status: body.status ?? "" };
}

const ENROLL_REASON = {
  send: "To send money, add a debit card. It is charged only when you confirm a payment.",
  receive: "Add a debit card to receive money: what people send you is paid out to it.",
  add: "Payments use debit cards; credit and prepaid cards are refused.",
} as const;

/**
 * Enrolls a debit card (test cards by name with the emulator; Stripe Elements with real keys),
 * and says so in the sheet by the card's name, where the flow goes on.
 */
export async function enrollCard(ctx: Ctx, sheet: Sheet, purpose: keyof typeof ENROLL_REASON): Promise<Card> {
  sheet.show("Add a debit card", progress("Preparing a secure card form…"));
  const setup = await ctx.api.post<CardSetup>("/v1/cards/setup");
  const card =
    setup.mode === "live" || !setup.emulator
      ? await enrollWithStripeJs(ctx, sheet, setup, purpose)
      : await enrollWithTestCard(ctx, sheet, setup, setup.emulator.test_payment_methods, purpose);
  sheet.succeeded(`${cardLabel(card)} added`);
  return card;
}

async function enrollWithTestCard(
  ctx: Ctx,
  sheet: Sheet,
  firstSetup: CardSetup,
  testPaymentMethods: string[],
  purpose: keyof typeof ENROLL_REASON,
): Promise<Card> {
  let setup: CardSetup | undefined = firstSetup;
  const names = sortTestCards(testPaymentMethods.map((pm) => pm.replace(/^pm_card_/, "")));
  let chosen = names[0] ?? "visa_debit";
  let error: string | null = null;
  for (;;) {
    chosen = await sheet.step<string>("Add a debit card", (done) => {
      const groupName = uniqueId("test-card");
      const options = names.map((name) => {
        const input = h("input", { type: "radio", name: groupName, value: name, checked: name === chosen });
        return h(
          "label",
          { className: "choice" },
          input,
          h("span", {}, testCardLabel(name), h("code", { className: "muted" }, ` pm_card_${name}`)),
        );
      });
      const form = h(
        "form",
        { className: "stack" },
        h("p", {}, h("span", { className: "badge test-mode" }, "Test mode"), " ", ENROLL_REASON[purpose]),
        h(
          "p",
          { className: "muted" },
          "No real card is used here: pick one of Stripe's test cards. With real Stripe keys this is Stripe's card form.",
        ),
        errorLine(error),
        h("fieldset", { className: "choices" }, h("legend", {}, "Test card"), options),
        h("button", { type: "submit", className: "primary" }, "Add card"),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const picked = form.querySelector<HTMLInputElement>("input[type=radio]:checked");
        if (picked) done(picked.value);
      });
      return form;
    });
    sheet.show("Add a debit card", progress("Adding your card…"));
    try {
      setup ??= await ctx.api.post<CardSetup>("/v1/cards/setup");
      // Each SetupIntent has its own paths at the emulator.
      const emulator = setup.emulator;
      if (!emulator) throw new Error("The card form is not available");
      const base = emulator.browser_base_path;
      const intent = await emulatorPost(`${base}${emulator.confirm_path}`, setup.publishable_key, {
        payment_method: `pm_card_${chosen}`,
      });
      if (intent.status === "requires_action") {
        const approve = await askBankApproval(sheet, "Your bank asks you to confirm this card.");
        const authenticated = await emulatorPost(`${base}${emulator.authenticate_path}`, setup.publishable_key, {
          outcome: approve ? "succeed" : "fail",
        });
        if (authenticated.status !== "succeeded") throw new Error("Your bank did not confirm the card. Try again.");
      }
      const setupIntentId = setup.setup_intent_id;
      // Each attempt needs its own SetupIntent: a confirmed one cannot take another card.
      setup = undefined;
      // The same test card as a token makes it the payout card too, so money sent to this person reaches it.
      return await ctx.api.post<Card>("/v1/cards", {
        body: { setup_intent_id: setupIntentId, payout_token: `tok_${chosen}` },
      });
    } catch (err) {
      setup = undefined;
      error = errorMessage(err);
    }
  }
}

/** Emulator 3-D Secure: what the bank's page would ask, as two buttons. */
function askBankApproval(sheet: Sheet, question: string): Promise<boolean> {
  return sheet.step<boolean>("Confirm with your bank", (done) => [
    h("p", {}, h("span", { className: "badge test-mode" }, "Test mode"), " ", question),
    h("p", { className: "muted" }, "This stands in for your bank's 3-D Secure page."),
    buttonRow(
      button("Approve", "primary", () => done(true)),
      button("Fail authentication", "secondary", () => done(false)),
    ),
  ]);
}

async function enrollWithStripeJs(
  ctx: Ctx,
  sheet: Sheet,
  setup: CardSetup,
  purpose: keyof typeof ENROLL_REASON,
): Promise<Card> {
  if (!setup.publishable_key) throw new Error("The server has no Stripe publishable key configured");
  const stripe = await loadStripe(setup.publishable_key);
  let current: CardSetup | undefined = setup;
  let element: StripeCardElement | undefined;
  let error: string | null = null;
  try {
    for (;;) {
      await sheet.step<void>("Add a debit card", (done) => {
        const mount = h("div", { className: "stripe-card" });
        element?.destroy();
        element = stripe.elements().create("card", { hidePostalCode: true });
        element.mount(mount);
        const form = h(
          "form",
          { className: "stack" },
          h("p", {}, ENROLL_REASON[purpose]),
          errorLine(error),
          h("div", { className: "field" }, h("span", { className: "label" }, "Card"), mount),
          h("button", { type: "submit", className: "primary" }, "Add card"),
        );
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          done(undefined);
        });
        return form;
      });
      sheet.show("Add a debit card", progress("Adding your card…"));
      try {
        current ??= await ctx.api.post<CardSetup>("/v1/cards/setup");
        const card = element;
        if (!card) throw new Error("The card form did not load");
        const confirmed = await stripe.confirmCardSetup(current.client_secret, { payment_method: { card } });
        if (confirmed.error) throw new Error(stripeMessage(confirmed.error, "The card was not accepted"));
        // Stripe attaches payout cards to Connect accounts from tokens: one for the same card.
        const token = await stripe.createToken(card);
        return await ctx.api.post<Card>("/v1/cards", {
          body: { setup_intent_id: current.setup_intent_id, ...(token.token ? { payout_token: token.token.id } : {}) },
        });
      } catch (err) {
        current = undefined;
        error = errorMessage(err);
      }
    }
  } finally {
    element?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// PIN and passkeys

function pinStep(sheet: Sheet, title: string, label: string, message: string | null, hint?: string): Promise<string> {
  return sheet.step<string>(title, (done) => {
    const pad = pinPad(label, done);
    return [errorLine(message), hint ? h("p", { className: "muted" }, hint) : null, pad.element];
  });
}

function pinErrorMessage(err: unknown): string {
  if (err instanceof ApiError && err.code === "PIN_INCORRECT") {
    const left = err.problem.attempts_remaining;
    if (typeof left === "number") {
      return `Incorrect PIN. ${left} ${left === 1 ? "attempt" : "attempts"} left before your PIN is locked.`;
    }
  }
  return errorMessage(err);
}

/**
 * Sets the payment PIN on a PIN pad (or changes it, after the current one) and returns it, so a
 * payment waiting for it can be confirmed without typing it a third time. A PIN the rules refuse
 * is refused as soon as it is typed, with the reason, before it is asked again.
 */
export async function choosePin(ctx: Ctx, sheet: Sheet, change: boolean): Promise<string> {
  const title = change ? "Change your PIN" : "Set a payment PIN";
  let error: string | null = null;
  for (;;) {
    const current = change ? await pinStep(sheet, title, "Current PIN", error) : undefined;
    let first = await pinStep(
      sheet,
      title,
      "New 6-digit PIN",
      change ? null : error,
      "You will confirm payments with it. Avoid birthdays and patterns like 123456 or 112233.",
    );
    let weakness = pinWeakness(first);
    while (weakness) {
      first = await pinStep(sheet, title, "New 6-digit PIN", `Choose another PIN: it ${weakness}.`);
      weakness = pinWeakness(first);
    }
    const second = await pinStep(sheet, title, "Enter the same PIN again", null);
    if (first !== second) {
      error = "The two PINs were different. Try again.";
      continue;
    }
    sheet.show("Saving your PIN", progress("Saving…"));
    try {
      // No Idempotency-Key here: PUT is not replayed, and the PIN should not be fingerprinted anywhere.
      await ctx.api.put<PinStatus>("/v1/me/pin", {
        body: { new_pin: first, ...(current ? { current_pin: current } : {}) },
      });
      sheet.succeeded(change ? "PIN changed" : "Payment PIN set");
      return first;
    } catch (err) {
      error = pinErrorMessage(err);
    }
  }
}

function deviceName(): string {
  const platform = /Android/i.test(navigator.userAgent)
    ? "Android"
    : /iPhone|iPad/i.test(navigator.userAgent)
      ? "iPhone or iPad"
      : /Mac/i.test(navigator.userAgent)
        ? "Mac"
        : /Windows/i.test(navigator.userAgent)
          ? "Windows"
          : /Linux/i.test(navigator.userAgent)
            ? "Linux"
            : "this device";
  return `Passkey on ${platform}`;
}

/** Creates a passkey on this device and registers it (user verification: the biometric). */
export async function registerPasskey(ctx: Ctx): Promise<Device> {
  const registration = await ctx.api.post<RegistrationOptions>("/v1/me/devices/registration-options");
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.create({
      publicKey: toCreationOptions(registration.options as unknown as CreationOptionsJson),
    });
  } catch (err) {
    throw new Error(webauthnErrorMessage(err));
  }
  if (!(credential instanceof PublicKeyCredential)) throw new Error("No passkey was created.");
  const device = await ctx.api.post<Device>("/v1/me/devices", {
    body: { challenge_id: registration.challenge_id, name: deviceName(), credential: registrationToJson(credential) },
  });
  ctx.announce("Biometric confirmation is on for this device");
  return device;
}

/** After the first PIN: offer the biometric, where this browser and address can use one. */
async function offerPasskey(ctx: Ctx, sheet: Sheet): Promise<void> {
  if (!(await passkeysAvailable(ctx.config.webauthn_origins))) return;
  let error: string | null = null;
  for (;;) {
    const register = await sheet.step<boolean>("Use your biometric next time?", (done) => [
      h("p", {}, "Confirm payments with your fingerprint or face on this device instead of typing your PIN."),
      h("p", { className: "muted" }, "Your PIN keeps working. You can remove the passkey any time under Security."),
      errorLine(error),
      buttonRow(
        button("Set up biometric", "primary", () => done(true)),
        button("Not now", "secondary", () => done(false)),
      ),
    ]);
    if (!register) return;
    sheet.show("Use your biometric next time?", progress("Follow your device's prompt…"));
    try {
      await registerPasskey(ctx);
      return;
    } catch (err) {
      error = errorMessage(err);
    }
  }
}

/**
 * First-time setup, only where missing: a debit card to pay with, then a PIN (and the offer of
 * a biometric). Someone with a passkey but no PIN can already confirm. Returns the PIN when it
 * was set just now, for the payment that asked for it.
 */
async function ensureReadyToPay(ctx: Ctx, sheet: Sheet): Promise<string | undefined> {
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

type Answer = { method: "webauthn" } | { method: "pin"; pin: string };

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
  let error: string | null = null;
  // Once the PIN is locked or disabled the pad is not offered again in this sheet.
  let pinBlocked = false;
  const title = `Confirm ${formatMoney(payment.amount_minor, payment.currency, ctx.locale)}`;
  for (;;) {
    const methods = current.methods.map((m) => m.method).filter((m) => m !== "pin" || !pinBlocked);
    if (methods.length === 0 && pinBlocked) throw new Error(error ?? "Your PIN is locked");
    const offered = preset && methods.includes(preset.method) ? preset : undefined;
    preset = undefined;
    const answer =
      offered ??
      (await sheet.step<Answer>(title, (done) => {
        const parts: Child[] = [paymentSummary(ctx, payment), errorLine(error)];
        if (methods.includes("webauthn")) {
          const biometric = button("Confirm with biometric", "primary", () => done({ method: "webauthn" }));
          // The biometric is the one-tap path; the PIN pad below stays a Tab away.
          biometric.dataset.autofocus = "";
          parts.push(biometric);
        }
        if (methods.includes("pin")) {
          if (methods.includes("webauthn")) parts.push(h("p", { className: "or" }, "or"));
          parts.push(pinPad("Enter your payment PIN", (pin) => done({ method: "pin", pin })).element);
        }
        if (methods.length === 0) parts.push(errorLine("Set a PIN or register a passkey under Security first."));
        return parts;
      }));
    sheet.show(title, progress("Confirming…"));
    try {
      let response: Record<string, unknown>;
      if (answer.method === "webauthn") {
        const prompt = current.methods.find((m) => m.method === "webauthn")?.prompt;
        const options = prompt?.options as RequestOptionsJson | undefined;
        if (!options) throw new Error("The biometric prompt is missing; use your PIN.");
        let credential: Credential | null;
        try {
          credential = await navigator.credentials.get({ publicKey: toRequestOptions(options) });
        } catch (err) {
          throw new Error(webauthnErrorMessage(err));
        }
        if (!(credential instanceof PublicKeyCredential)) throw new Error("No passkey answered.");
        response = { credential: assertionToJson(credential) };
      } else {
        response = { pin: answer.pin };
      }
      // No Idempotency-Key: a confirmation is safe to repeat by the payment's own id, and the body holds the PIN.
      const confirmed = await ctx.api.post<Payment>(`/v1/payments/${encodeURIComponent(payment.id)}/confirm`, {
        body: { challenge_id: current.challenge_id, method: answer.method, response },
      });
      return ctx.store.putPayment(confirmed);
    } catch (err) {
      error = answer.method === "pin" ? pinErrorMessage(err) : errorMessage(err);
      // A lost answer may still have confirmed it: ask the payment itself before trying again.
      const now = await ctx.store.fetchPayment(payment.id).catch(() => undefined);
      if (now && now.status !== "requires_confirmation") return now;
      if (err instanceof ApiError && RENEW_CHALLENGE.has(err.code)) current = await freshChallenge(ctx, payment.id);
      if (err instanceof ApiError && (err.code === "PIN_LOCKED" || err.code === "PIN_DISABLED")) pinBlocked = true;
      if (err instanceof ApiError && (err.code === "PAYMENT_EXPIRED" || err.status === 404)) throw err;
    }
  }
}

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

// ---------------------------------------------------------------------------------------------
// The $ button, and the actions on payment and request cards

type MoneyChoice = {
  kind: "pay" | "request";
  amountMinor: number;
  currency: string;
  memo: string;
  recipientId: string;
};

/** The $ sheet: amount keypad, memo, Pay or Request; first-time setup inline when paying. */
export function openMoneySheet(ctx: Ctx, thread: Thread): Promise<void> {
  const others = ctx.store.othersIn(thread);
  const title = thread.kind === "direct" ? `Money with ${ctx.store.threadTitle(thread)}` : "Send or request money";
  return inSheet(ctx, title, async (sheet) => {
    let amountText = "";
    let memo = "";
    let currency = ctx.config.currencies[0] ?? "USD";
    let recipientId = others[0]?.id ?? "";
    let error: string | null = null;
    const split = newSplitState(others);
    const payAction = new IdempotentAction();
    const requestAction = new IdempotentAction();
    for (;;) {
      const choice = await sheet.step<MoneyChoice>(title, (done) =>
        moneyForm(ctx, others, { amountText, memo, currency, recipientId, error }, (c, text) => {
          amountText = text;
          memo = c.memo;
          currency = c.currency;
          recipientId = c.recipientId;
          done(c);
        }),
      );
      error = null;
      try {
        if (choice.kind === "request") {
          // A group says who is asked and how the total is split; a direct thread asks the other person.
          const asked =
            thread.kind === "group"
              ? await chooseSplit(
                  ctx,
                  sheet,
                  `Request ${formatMoney(choice.amountMinor, choice.currency, ctx.locale)}`,
                  others,
                  choice,
                  split,
                )
              : { payer_ids: [choice.recipientId] };
          if (!asked) continue;
          const body = {
            amount_minor: choice.amountMinor,
            currency: choice.currency,
            ...(choice.memo ? { memo: choice.memo } : {}),
            ...asked,
          };
          sheet.show(title, progress("Sending your request…"));
          const request = await requestAction.run(body, (key) =>
            ctx.api.post<PaymentRequest>(`/v1/threads/${encodeURIComponent(thread.id)}/requests`, {
              body,
              idempotencyKey: key,
            }),
          );
          ctx.store.putRequest(request);
          sheet.close();
          ctx.announce(`Requested ${formatMoney(request.amount_minor, request.currency, ctx.locale)}`);
          return;
        }
        const pinJustSet = await ensureReadyToPay(ctx, sheet);
        const body = {
          recipient_id: choice.recipientId,
          amount_minor: choice.amountMinor,
          currency: choice.currency,
          ...(choice.memo ? { memo: choice.memo } : {}),
        };
        sheet.show(title, progress("Sending…"));
        const created = await payAction.run(body, (key) =>
          ctx.api.post<CreatedPayment>(`/v1/threads/${encodeURIComponent(thread.id)}/payments`, {
            body,
            idempotencyKey: key,
          }),
        );
        ctx.store.putPayment(created.payment);
        const confirmed =
          created.payment.status === "requires_confirmation"
            ? await confirmPayment(ctx, sheet, created.payment, created.confirmation, pinJustSet)
            : created.payment;
        await finishPayment(ctx, sheet, confirmed);
        return;
      } catch (err) {
        if (err instanceof Cancelled) throw err;
        error = errorMessage(err);
      }
    }
  });
}

function moneyForm(
  ctx: Ctx,
  others: Thread["members"],
  state: { amountText: string; memo: string; currency: string; recipientId: string; error: string | null },
  submit: (choice: MoneyChoice, amountText: string) => void,
): Child {
  let currency = state.currency;
  const preview = h("output", { className: "amount-preview", attrs: { "aria-live": "polite" } });
  const problem = errorBox();
  const pay = h("button", { type: "submit", className: "primary", value: "pay" }, "Pay");
  // Only Pay submits, so Enter in a field pays (as the primary action) and never sends a request by accident.
  const request = h("button", { type: "button", className: "secondary" }, "Request");
  const update = (text: string) => {
    const parsed = parseAmount(text, currency, ctx.locale);
    preview.textContent = parsed.ok
      ? formatMoney(parsed.amountMinor, currency, ctx.locale)
      : formatMoney(0, currency, ctx.locale);
    pay.disabled = request.disabled = !parsed.ok;
    problem.show(null);
  };
  const { input, keys } = amountKeypad(currency, ctx.locale, update);
  input.value = state.amountText;
  const memo = h("input", {
    type: "text",
    maxLength: 140,
    value: state.memo,
    autocomplete: "off",
    placeholder: "Pizza, rent, tickets…",
  });
  const currencySelect = h(
    "select",
    {},
    ctx.config.currencies.map((c) => h("option", { value: c, selected: c === currency }, c)),
  );
  currencySelect.addEventListener("change", () => {
    currency = currencySelect.value;
    update(input.value);
  });
  const recipient = h(
    "select",
    {},
    others.map((m) => h("option", { value: m.id, selected: m.id === state.recipientId }, m.display_name)),
  );
  const form = h(
    "form",
    { className: "stack money-form" },
    state.error ? errorLine(state.error) : null,
    preview,
    field(`Amount in ${currency}`, input),
    keys,
    ctx.config.currencies.length > 1 ? field("Currency", currencySelect) : null,
    // Only Pay uses it: in a group, Request asks next who to ask and how to split.
    others.length > 1 ? field("Pay to", recipient) : null,
    field("What's it for? (optional)", memo),
    problem,
    buttonRow(request, pay),
  );
  update(input.value);
  const choose = (kind: MoneyChoice["kind"]) => {
    const parsed = parseAmount(input.value, currency, ctx.locale);
    if (!parsed.ok) {
      problem.show(parsed.reason);
      return;
    }
    submit(
      {
        kind,
        amountMinor: parsed.amountMinor,
        currency,
        memo: memo.value.trim(),
        recipientId: recipient.value || (others[0]?.id ?? ""),
      },
      input.value,
    );
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    choose("pay");
  });
  request.addEventListener("click", () => choose("request"));
  return form;
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

/** A request card's Pay: setup where needed, a payment linked to the request, then confirmation. */
export function payRequest(ctx: Ctx, request: PaymentRequest): Promise<void> {
  const action = new IdempotentAction();
  return inSheet(ctx, "Pay request", async (sheet) => {
    const pinJustSet = await ensureReadyToPay(ctx, sheet);
    sheet.show("Pay request", progress("Preparing the payment…"));
    const created = await action.run({ request: request.id }, (key) =>
      ctx.api.post<CreatedPayment>(`/v1/requests/${encodeURIComponent(request.id)}/pay`, { idempotencyKey: key }),
    );
    ctx.store.putPayment(created.payment);
    const confirmed =
      created.payment.status === "requires_confirmation"
        ? await confirmPayment(ctx, sheet, created.payment, created.confirmation, pinJustSet)
        : created.payment;
    await finishPayment(ctx, sheet, confirmed);
  });
}

/** "Add a debit card to receive": enrolling a payout card pays out everything waiting. */
export function addCardToReceive(ctx: Ctx): Promise<void> {
  return inSheet(ctx, "Add a debit card", async (sheet) => {
    const card = await enrollCard(ctx, sheet, "receive");
    sheet.close();
    ctx.announce(`${cardLabel(card)} added: money waiting for you is on its way to it.`);
  });
}

export function addCard(ctx: Ctx, onAdded: () => void): Promise<void> {
  return inSheet(ctx, "Add a debit card", async (sheet) => {
    const card = await enrollCard(ctx, sheet, "add");
    sheet.close();
    ctx.announce(`${cardLabel(card)} added`);
    onAdded();
  });
}

export function changePin(ctx: Ctx, change: boolean, onDone: () => void): Promise<void> {
  return inSheet(ctx, change ? "Change your PIN" : "Set a payment PIN", async (sheet) => {
    await choosePin(ctx, sheet, change);
    sheet.close();
    ctx.announce(change ? "PIN changed" : "Payment PIN set");
    onDone();
  });
}

/** Cancel, decline and the other one-tap actions: each a money-moving POST with its own key. */
export async function paymentAction(ctx: Ctx, payment: Payment, action: "cancel" | "decline"): Promise<void> {
  const updated = await new IdempotentAction().run({ id: payment.id, action }, (key) =>
    ctx.api.post<Payment>(`/v1/payments/${encodeURIComponent(payment.id)}/${action}`, { idempotencyKey: key }),
  );
  ctx.store.putPayment(updated);
}

export async function requestAction(ctx: Ctx, request: PaymentRequest, action: "cancel" | "decline"): Promise<void> {
  const updated = await new IdempotentAction().run({ id: request.id, action }, (key) =>
    ctx.api.post<PaymentRequest>(`/v1/requests/${encodeURIComponent(request.id)}/${action}`, { idempotencyKey: key }),
  );
  ctx.store.putRequest(updated);
}
