/**
 * Enrolling a debit card: Stripe's test cards by name through the emulator, or Stripe Elements
 * with real keys (3-D Secure at setup included), and the sheets that add one from Security or
 * from a payment waiting to be received.
 */
import { errorMessage } from "../api";
import type { Card, CardSetup } from "../api-types";
import type { Ctx } from "../context";
import { errorLine, h, uniqueId } from "../dom";
import { cardLabel, sortTestCards, testCardLabel } from "../labels";
import type { Sheet } from "../sheet";
import { loadStripe, type StripeCardElement, stripeMessage } from "../stripe-js";
import { inSheet, progress } from "./sheet-flow";
import { askBankApproval, emulatorPost } from "./stripe-emulator";

const ENROLL_REASON = {
  send: "To send money, add a debit card. It is charged only when you confirm a payment.",
  receive: "Add a debit card to receive money: what people send you is paid out to it.",
  add: "Payments use debit cards; credit and prepaid cards are refused.",
} as const;

type EnrollPurpose = keyof typeof ENROLL_REASON;

/**
 * Enrolls a debit card (test cards by name with the emulator; Stripe Elements with real keys),
 * and says so in the sheet by the card's name, where the flow goes on.
 */
export async function enrollCard(ctx: Ctx, sheet: Sheet, purpose: EnrollPurpose): Promise<Card> {
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
  purpose: EnrollPurpose,
): Promise<Card> {
  let setup: CardSetup | undefined = firstSetup;
  const names = sortTestCards(testPaymentMethods.map((pm) => pm.replace(/^pm_card_/, "")));
  let chosen = names[0] ?? "visa_debit";
  let error: string | null = null;
  for (;;) {
    chosen = await pickTestCard(sheet, names, chosen, error, purpose);
    sheet.show("Add a debit card", progress("Adding your card…"));
    try {
      return await addTestCard(ctx, sheet, setup, chosen);
    } catch (err) {
      // Each attempt needs its own SetupIntent: a confirmed one cannot take another card.
      setup = undefined;
      error = errorMessage(err);
    }
  }
}

/** The emulator's card form: Stripe's test cards by name, the last one chosen checked. */
function pickTestCard(
  sheet: Sheet,
  names: string[],
  chosen: string,
  error: string | null,
  purpose: EnrollPurpose,
): Promise<string> {
  return sheet.step<string>("Add a debit card", (done) => {
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
}

/** One attempt with a test card: confirm its SetupIntent at the emulator (3-D Secure if asked), then save it. */
async function addTestCard(ctx: Ctx, sheet: Sheet, setup: CardSetup | undefined, chosen: string): Promise<Card> {
  const current = setup ?? (await ctx.api.post<CardSetup>("/v1/cards/setup"));
  // Each SetupIntent has its own paths at the emulator.
  const emulator = current.emulator;
  if (!emulator) throw new Error("The card form is not available");
  const base = emulator.browser_base_path;
  const intent = await emulatorPost(`${base}${emulator.confirm_path}`, current.publishable_key, {
    payment_method: `pm_card_${chosen}`,
  });
  if (intent.status === "requires_action") {
    const approve = await askBankApproval(sheet, "Your bank asks you to confirm this card.");
    const authenticated = await emulatorPost(`${base}${emulator.authenticate_path}`, current.publishable_key, {
      outcome: approve ? "succeed" : "fail",
    });
    if (authenticated.status !== "succeeded") throw new Error("Your bank did not confirm the card. Try again.");
  }
  // The same test card as a token makes it the payout card too, so money sent to this person reaches it.
  return ctx.api.post<Card>("/v1/cards", {
    body: { setup_intent_id: current.setup_intent_id, payout_token: `tok_${chosen}` },
  });
}

async function enrollWithStripeJs(ctx: Ctx, sheet: Sheet, setup: CardSetup, purpose: EnrollPurpose): Promise<Card> {
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
