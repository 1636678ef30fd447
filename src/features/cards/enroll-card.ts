import type Stripe from "stripe";
import type { Card } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { afterCommit } from "../../platform/after-commit";
import { lockPerson, withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { callStripe, isStripeError } from "../../platform/stripe";
import { recordSecurityEvent } from "../security";
import {
  findCardByPaymentMethod,
  findCustomerId,
  findPayoutDestination,
  insertCard,
  listActiveCards,
  upsertPayoutDestination,
} from "./cards.repository";
import { MAX_CARDS_PER_PERSON } from "./cards.schemas";
import { announcePayoutReady, payoutStateOf } from "./payout-destination";

/**
 * Finishes enrolling a card from a succeeded SetupIntent: debit only, not expired, not
 * enrolled twice, at most five. With a payout token for the same card, it also becomes the
 * person's payout destination. Every Stripe call happens before the one database write, so
 * a failure part-way leaves nothing half-written, and each is safe to repeat.
 */
export async function enrollCard(
  deps: Deps,
  input: { userId: string; setupIntentId: string; payoutToken: string | undefined },
): Promise<{ card: Card; payoutCardId: string | null; created: boolean }> {
  const customerId = await findCustomerId(deps.db, input.userId);
  const intent = customerId ? await retrieveSetupIntent(deps, input.setupIntentId) : undefined;
  if (!customerId || !intent || intent.customer !== customerId) {
    throw new AppError("SETUP_INTENT_NOT_FOUND", { detail: "Start with POST /v1/cards/setup, then confirm the card" });
  }
  if (intent.status !== "succeeded") {
    const declined = intent.last_setup_error;
    if (declined) {
      throw new AppError("CARD_DECLINED", { detail: declined.message ?? "The card was declined; try another card" });
    }
    throw new AppError("SETUP_INCOMPLETE", { detail: `The card setup is ${intent.status.replaceAll("_", " ")}` });
  }
  const pm = intent.payment_method as Stripe.PaymentMethod | null;
  if (!pm?.card) throw new AppError("SETUP_INCOMPLETE", { detail: "The card setup has no card yet" });

  const already = await findCardByPaymentMethod(deps.db, pm.id);
  if (already && already.user_id === input.userId && !already.removed_at) {
    const destination = await findPayoutDestination(deps.db, input.userId);
    return { card: already, payoutCardId: destination?.card_id ?? null, created: false };
  }

  const now = deps.clock.now();
  // Refused cards are not kept at Stripe either.
  const refuse = async (refusal: AppError): Promise<never> => {
    await callStripe(() => deps.stripe.sdk.paymentMethods.detach(pm.id));
    throw refusal;
  };
  const early = refusalFor(pm.card, await listActiveCards(deps.db, input.userId), now);
  if (early) await refuse(early);

  const card: Omit<Card, "removed_at"> = {
    id: newId("card"),
    user_id: input.userId,
    payment_method_id: pm.id,
    brand: pm.card.brand,
    last4: pm.card.last4,
    exp_month: pm.card.exp_month,
    exp_year: pm.card.exp_year,
    funding: "debit",
    country: pm.card.country ?? null,
    fingerprint: pm.card.fingerprint ?? pm.id,
    is_default: false,
    created_at: now,
  };
  const payout = input.payoutToken
    ? await attachPayoutCard(deps, input.userId, input.payoutToken, card.fingerprint)
    : undefined;

  const refused = await withTransaction(deps.db, async (trx) => {
    // Checked again under the person's lock: concurrent enrollments see each other's cards.
    await lockPerson(trx, "cards", input.userId);
    const enrolled = await listActiveCards(trx, input.userId);
    const refusal = refusalFor(pm.card as Stripe.PaymentMethod.Card, enrolled, now);
    if (refusal) return refusal;
    card.is_default = enrolled.length === 0;
    await insertCard(trx, card);
    await recordSecurityEvent(trx, deps.clock, {
      userId: input.userId,
      kind: "card_added",
      detail: { card_id: card.id, brand: card.brand, last4: card.last4, receives_payouts: payout !== undefined },
    });
    if (payout) {
      await upsertPayoutDestination(trx, { user_id: input.userId, card_id: card.id, updated_at: now, ...payout });
    }
    return undefined;
  });
  if (refused) await refuse(refused);
  const destination = await findPayoutDestination(deps.db, input.userId);
  // A new payout card claims everything that was waiting for it.
  if (destination?.state === "ready") await afterCommit(deps, "claim", () => announcePayoutReady(deps, input.userId));
  return { card: { ...card, removed_at: null }, payoutCardId: destination?.card_id ?? null, created: true };
}

async function retrieveSetupIntent(deps: Pick<Deps, "stripe">, id: string): Promise<Stripe.SetupIntent | undefined> {
  try {
    return await callStripe(() => deps.stripe.sdk.setupIntents.retrieve(id, { expand: ["payment_method"] }));
  } catch (err) {
    if (isStripeError(err) && err.statusCode === 404) return undefined;
    throw err;
  }
}

function refusalFor(card: Stripe.PaymentMethod.Card, enrolled: Card[], now: Date): AppError | undefined {
  if (card.funding !== "debit") {
    return new AppError("CARD_NOT_DEBIT", {
      detail: `This is a ${card.funding} card; payments in chat use debit cards only. The card was not saved.`,
    });
  }
  const endOfExpiryMonth = Date.UTC(card.exp_year, card.exp_month, 1);
  if (endOfExpiryMonth <= now.getTime()) {
    return new AppError("CARD_EXPIRED", {
      detail: `This card expired at the end of ${card.exp_month}/${card.exp_year}`,
    });
  }
  if (enrolled.length >= MAX_CARDS_PER_PERSON) {
    return new AppError("CARD_LIMIT_REACHED", { detail: `Remove a card first: at most ${MAX_CARDS_PER_PERSON} cards` });
  }
  if (card.fingerprint && enrolled.some((c) => c.fingerprint === card.fingerprint)) {
    return new AppError("CARD_ALREADY_ENROLLED", { detail: "This card is already on your account" });
  }
  return undefined;
}

/**
 * Makes the card the person's payout destination: their Connect account (created once) gets
 * the card as its external account for instant payouts. The token must be the same card.
 */
async function attachPayoutCard(deps: Pick<Deps, "db" | "stripe">, userId: string, token: string, fingerprint: string) {
  const existing = await findPayoutDestination(deps.db, userId);
  const accountId =
    existing?.account_id ??
    (
      await callStripe(() =>
        deps.stripe.sdk.accounts.create(
          {
            type: "custom",
            country: "US",
            business_type: "individual",
            capabilities: { transfers: { requested: true } },
            metadata: { user_id: userId },
          },
          { idempotencyKey: `payout-account-${userId}` },
        ),
      )
    ).id;
  let external: Stripe.BankAccount | Stripe.Card;
  try {
    external = await callStripe(() =>
      deps.stripe.sdk.accounts.createExternalAccount(accountId, { external_account: token }),
    );
  } catch (err) {
    if (isStripeError(err) && err.statusCode !== undefined && err.statusCode < 500) {
      throw new AppError("PAYOUT_CARD_REFUSED", { detail: err.message, cause: err });
    }
    throw err;
  }
  if (external.object !== "card" || external.fingerprint !== fingerprint) {
    await callStripe(() => deps.stripe.sdk.accounts.deleteExternalAccount(accountId, external.id));
    throw new AppError("PAYOUT_CARD_REFUSED", {
      detail: "The payout token is for a different card than the one enrolled",
    });
  }
  // One payout card at a time: the new card replaces the previous one at Stripe.
  const previous = existing?.external_account_id;
  if (previous && previous !== external.id) {
    await callStripe(() => deps.stripe.sdk.accounts.deleteExternalAccount(accountId, previous));
  }
  const account = await callStripe(() => deps.stripe.sdk.accounts.retrieve(accountId));
  return { account_id: accountId, ...payoutStateOf(account), external_account_id: external.id };
}
