import { Hono } from "hono";
import { amountOf } from "./amounts";
import { metadataOf, str } from "./form";
import * as o from "./objects";
import { invalid, listOf, missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

/** Takes a payout out of transit: paid, or failed when tests ask for failures. */
const settlePayout = (store: EmulatorStore, payout: Stored, accountId: string) => {
  if (payout.status !== "in_transit") return;
  const failed = store.payoutSettlement.fail;
  Object.assign(
    payout,
    failed
      ? {
          status: "failed",
          failure_code: "could_not_process",
          failure_message: "The bank could not process this payout.",
        }
      : { status: "paid" },
  );
  store.emit(failed ? "payout.failed" : "payout.paid", payout, { account: accountId });
};

/** For tests that turn automatic settlement off and settle payouts when they choose. */
export function settlePayouts(store: EmulatorStore) {
  for (const [id, accountId] of store.payoutAccounts) settlePayout(store, store.get(id) as Stored, accountId);
}

/** Payouts from a connected account (named by Stripe-Account) to one of its external accounts. */
export function payoutRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/payouts", (c) => {
    const form = c.get("form");
    const accountId = c.get("account");
    const state = accountId ? store.accounts.get(accountId) : undefined;
    if (!state) return invalid(c, "Payouts for this emulator need a Stripe-Account header naming a connected account.");
    const destination = str(form, "destination") ?? state.externalAccounts[0]?.id;
    if (!destination || !state.externalAccounts.some((x) => x.id === destination))
      return missing(c, destination ?? "", "destination");
    if (state.disabledReason) return invalid(c, "Payouts have been disabled on this account.");
    const amount = amountOf(c, form);
    if (amount instanceof Response) return amount;
    const payout = store.put(
      o.payout({
        id: o.stripeId("po"),
        created: store.now(),
        amount,
        currency: str(form, "currency") ?? "usd",
        destination,
        method: str(form, "method") ?? "standard",
        status: "in_transit",
        failure: null,
        metadata: metadataOf(form),
      }),
    );
    store.payoutAccounts.set(payout.id, state.id);
    store.emit("payout.created", payout, { account: state.id });
    if (store.payoutSettlement.auto) queueMicrotask(() => settlePayout(store, payout, state.id));
    return c.json(payout);
  });
  app.get("/v1/payouts", (c) => {
    const accountId = c.get("account");
    if (!accountId || !store.accounts.has(accountId)) {
      return invalid(c, "Listing payouts in this emulator needs a Stripe-Account header naming a connected account.");
    }
    const mine = [...store.payoutAccounts]
      .filter(([, account]) => account === accountId)
      .map(([id]) => store.get(id) as Stored);
    // Newest first, as Stripe lists.
    return listOf(c, "/v1/payouts", mine.reverse());
  });
  app.get("/v1/payouts/:id", retrieve(store, "payout"));
  return app;
}
