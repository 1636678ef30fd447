import { Hono } from "hono";
import { TEST_CARD_EXP, testCardFor } from "./catalog";
import { metadataOf, obj, str } from "./form";
import * as o from "./objects";
import { fail, listOf, missing } from "./responses";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

/** The account as Stripe shows it, built afresh from its state and stored, so lookups by id see the latest. */
const accountView = (store: EmulatorStore, id: string) =>
  store.put(o.account(store.accounts.get(id) as o.AccountState));

/** Disables payouts on an account (or enables them again, with a null reason), as Stripe's checks may. */
export function restrictAccount(store: EmulatorStore, accountId: string, reason: string | null) {
  const state = store.accounts.get(accountId);
  if (!state) throw new Error(`No account ${accountId}`);
  state.disabledReason = reason;
  store.emit("account.updated", accountView(store, accountId), { account: accountId });
}

/** Connect accounts and their external accounts (debit cards that payouts go to). */
export function accountRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/accounts", (c) => {
    const form = c.get("form");
    const state: o.AccountState = {
      id: o.stripeId("acct"),
      created: store.now(),
      country: str(form, "country") ?? "US",
      email: str(form, "email") ?? null,
      type: str(form, "type") ?? str(obj(form, "controller"), "stripe_dashboard") ?? "custom",
      metadata: metadataOf(form),
      externalAccounts: [],
      disabledReason: null,
    };
    store.accounts.set(state.id, state);
    return c.json(accountView(store, state.id));
  });
  app.get("/v1/accounts/:id", (c) =>
    store.accounts.has(c.req.param("id"))
      ? c.json(accountView(store, c.req.param("id")))
      : missing(c, c.req.param("id")),
  );
  app.post("/v1/accounts/:id", (c) => {
    const state = store.accounts.get(c.req.param("id"));
    if (!state) return missing(c, c.req.param("id"));
    state.metadata = metadataOf(c.get("form"), state.metadata);
    state.email = str(c.get("form"), "email") ?? state.email;
    const view = accountView(store, state.id);
    store.emit("account.updated", view, { account: state.id });
    return c.json(view);
  });
  // Closing a connected account: Stripe answers a deleted stub, and the account is gone after.
  app.delete("/v1/accounts/:id", (c) => {
    const id = c.req.param("id");
    if (!store.accounts.delete(id)) return missing(c, id);
    store.drop(id);
    return c.json({ id, object: "account", deleted: true });
  });
  app.post("/v1/accounts/:id/external_accounts", (c) => {
    const state = store.accounts.get(c.req.param("id"));
    if (!state) return missing(c, c.req.param("id"));
    const token = str(c.get("form"), "external_account") ?? "";
    const test = token.startsWith("tok_") ? testCardFor(token) : undefined;
    if (!test) return missing(c, token, "external_account");
    if (test.card.funding !== "debit") {
      return fail(c, 400, {
        type: "invalid_request_error",
        code: "invalid_card_type",
        param: "external_account",
        message: "This card doesn't appear to be a debit card.",
      });
    }
    const card = o.externalCard({ id: o.stripeId("card"), card: test.card, exp: TEST_CARD_EXP });
    state.externalAccounts.push(card);
    store.emit("account.external_account.created", card as Stored, { account: state.id });
    store.emit("account.updated", accountView(store, state.id), { account: state.id });
    return c.json(card);
  });
  app.get("/v1/accounts/:id/external_accounts", (c) => {
    const state = store.accounts.get(c.req.param("id"));
    return state
      ? listOf(c, `/v1/accounts/${state.id}/external_accounts`, state.externalAccounts as Stored[])
      : missing(c, c.req.param("id"));
  });
  app.delete("/v1/accounts/:id/external_accounts/:card", (c) => {
    const state = store.accounts.get(c.req.param("id"));
    const index = state?.externalAccounts.findIndex((x) => x.id === c.req.param("card")) ?? -1;
    if (!state || index < 0) return missing(c, c.req.param("card"));
    state.externalAccounts.splice(index, 1);
    store.emit("account.updated", accountView(store, state.id), { account: state.id });
    return c.json({ id: c.req.param("card"), object: "card", deleted: true });
  });
  return app;
}
