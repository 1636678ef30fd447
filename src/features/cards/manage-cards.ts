import type { Card, PayoutDestination } from "../../../db/schema";
import type { AuditDetail, Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Trx, withTransaction } from "../../platform/db";
import { callStripe, isStripeError } from "../../platform/stripe";
import { recordSecurityEvent } from "../security";
import {
  findActiveCard,
  findPayoutDestination,
  listActiveCards,
  markCardRemoved,
  setDefault,
  upsertPayoutDestination,
} from "./cards.repository";

/** The person's enrolled cards and which one receives payouts. */
export async function listCards(
  deps: Pick<Deps, "db">,
  userId: string,
): Promise<{ cards: Card[]; payoutCardId: string | null }> {
  const [cards, destination] = await Promise.all([
    listActiveCards(deps.db, userId),
    findPayoutDestination(deps.db, userId),
  ]);
  return { cards, payoutCardId: destination?.card_id ?? null };
}

/** Where money sent to the person goes, with their cards to name it. */
export async function getPayoutDestination(
  deps: Pick<Deps, "db">,
  userId: string,
): Promise<{ destination: PayoutDestination | undefined; cards: Card[] }> {
  const [destination, cards] = await Promise.all([
    findPayoutDestination(deps.db, userId),
    listActiveCards(deps.db, userId),
  ]);
  return { destination, cards };
}

async function requireCard(deps: Pick<Deps, "db">, userId: string, cardId: string): Promise<Card> {
  const card = await findActiveCard(deps.db, userId, cardId);
  if (!card) throw new AppError("CARD_NOT_FOUND", { detail: `No card ${cardId} on your account` });
  return card;
}

/** Removes a card: detached at Stripe first (and no longer a payout destination), then marked removed. */
export async function removeCard(
  deps: Pick<Deps, "db" | "clock" | "stripe">,
  input: { userId: string; cardId: string },
): Promise<void> {
  const card = await requireCard(deps, input.userId, input.cardId);
  const destination = await findPayoutDestination(deps.db, input.userId);
  try {
    await callStripe(() => deps.stripe.sdk.paymentMethods.detach(card.payment_method_id));
  } catch (err) {
    // Already detached at Stripe (for example from Stripe's dashboard): finish the removal here.
    if (!(isStripeError(err) && err.statusCode !== undefined && err.statusCode < 500)) throw err;
  }
  const payoutCard = destination?.card_id === card.id ? destination : undefined;
  if (payoutCard?.external_account_id) {
    const externalId = payoutCard.external_account_id;
    await callStripe(() => deps.stripe.sdk.accounts.deleteExternalAccount(payoutCard.account_id, externalId));
  }
  await withTransaction(deps.db, async (trx) => {
    await finishCardRemoval(deps, trx, card);
    if (payoutCard) {
      await upsertPayoutDestination(trx, {
        ...payoutCard,
        card_id: null,
        external_account_id: null,
        state: "needs_card",
        restricted_reason: null,
        updated_at: deps.clock.now(),
      });
    }
  });
}

/**
 * Marks the card removed in trx with its audit row, and makes the next card the default if it
 * was; nothing when it already is removed (the person and Stripe's payment_method.detached
 * webhook may race).
 */
export async function finishCardRemoval(
  deps: Pick<Deps, "clock">,
  trx: Trx,
  card: Card,
  detail: AuditDetail = {},
): Promise<void> {
  if (!(await markCardRemoved(trx, card.id, deps.clock.now()))) return;
  await recordSecurityEvent(trx, deps.clock, {
    userId: card.user_id,
    kind: "card_removed",
    detail: { card_id: card.id, brand: card.brand, last4: card.last4, ...detail },
  });
  const next = card.is_default ? (await listActiveCards(trx, card.user_id))[0] : undefined;
  if (next) await setDefault(trx, card.user_id, next.id);
}

/** Makes a card the one payments are charged to. */
export async function setDefaultCard(deps: Pick<Deps, "db">, input: { userId: string; cardId: string }): Promise<Card> {
  const card = await requireCard(deps, input.userId, input.cardId);
  await withTransaction(deps.db, (trx) => setDefault(trx, input.userId, card.id));
  return { ...card, is_default: true };
}
