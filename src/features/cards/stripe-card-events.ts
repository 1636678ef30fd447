import type { Deps, WebhookEffect } from "../../deps";
import { callStripe } from "../../platform/stripe";
import { findCardByPaymentMethod, findPayoutDestinationByAccount, upsertPayoutDestination } from "./cards.repository";
import { finishCardRemoval } from "./manage-cards";
import { announcePayoutReady, payoutStateOf } from "./payout-destination";

/**
 * Stripe says a payout account changed (account.updated, an external account created or
 * deleted): its state is read back from Stripe now and recorded in the webhook's transaction.
 * A card that became ready then claims what was waiting for it.
 */
export async function payoutAccountChanged(deps: Deps, accountId: string): Promise<WebhookEffect | undefined> {
  const destination = await findPayoutDestinationByAccount(deps.db, accountId);
  if (!destination) return undefined;
  const account = await callStripe(() => deps.stripe.sdk.accounts.retrieve(accountId));
  const state = payoutStateOf(account);
  return async (trx) => {
    const stillThere = state.external_account_id === destination.external_account_id;
    await upsertPayoutDestination(trx, {
      ...destination,
      ...state,
      external_account_id: stillThere ? destination.external_account_id : state.external_account_id,
      card_id: stillThere ? destination.card_id : null,
      updated_at: deps.clock.now(),
    });
    return state.state === "ready" ? () => announcePayoutReady(deps, destination.user_id) : undefined;
  };
}

/**
 * Stripe says a card's payment method was detached (from Stripe's dashboard, say): if Stripe
 * still agrees, the card is removed here too, as if the person had removed it.
 */
export async function cardDetachedAtStripe(
  deps: Pick<Deps, "db" | "clock" | "stripe">,
  paymentMethodId: string,
): Promise<WebhookEffect | undefined> {
  const card = await findCardByPaymentMethod(deps.db, paymentMethodId);
  if (!card || card.removed_at) return undefined;
  const pm = await callStripe(() => deps.stripe.sdk.paymentMethods.retrieve(paymentMethodId));
  if (pm.customer) return undefined;
  return async (trx) => {
    await finishCardRemoval(deps, trx, card, { removed_at_stripe: true });
    return undefined;
  };
}
