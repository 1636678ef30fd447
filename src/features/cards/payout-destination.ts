import type Stripe from "stripe";
import type { PayoutDestination } from "../../../db/schema";
import type { Deps } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import { findPayoutDestination } from "./cards.repository";

/** Where an account stands for payouts, read from Stripe's own view of it. */
export function payoutStateOf(
  account: Stripe.Account,
): Pick<PayoutDestination, "state" | "restricted_reason" | "external_account_id"> {
  const external = account.external_accounts?.data.find((x) => x.object === "card")?.id ?? null;
  const disabled = account.requirements?.disabled_reason ?? null;
  if (disabled) return { state: "restricted", restricted_reason: disabled, external_account_id: external };
  if (!external) return { state: "needs_card", restricted_reason: null, external_account_id: null };
  return account.payouts_enabled
    ? { state: "ready", restricted_reason: null, external_account_id: external }
    : { state: "restricted", restricted_reason: "payouts_disabled", external_account_id: external };
}

/** Where money sent to this person is paid out, if they have set that up. */
export function payoutDestinationOf(db: Db | Trx, userId: string): Promise<PayoutDestination | undefined> {
  return findPayoutDestination(db, userId);
}

/** Tells whoever registered for it (payments waiting for this person) that their payout card is ready. */
export async function announcePayoutReady(deps: Deps, userId: string): Promise<void> {
  for (const listener of deps.hooks.payoutReady) await listener(deps, userId);
}
