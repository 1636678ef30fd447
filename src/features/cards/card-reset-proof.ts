import { z } from "@hono/zod-openapi";
import type Stripe from "stripe";
import type { ChallengeMethod } from "../../deps";
import { AppError } from "../../errors";
import { callStripe } from "../../platform/stripe";
import { parseMethodResponse } from "../security";
import { listActiveCards } from "./cards.repository";
import { ensureCustomer } from "./setup-card";

const CardProofResponse = z.strictObject({});

/**
 * Proving possession of an enrolled card to reset a forgotten PIN: the person confirms a fresh
 * SetupIntent with the card (Stripe.js collects it, as at enrollment), and its fingerprint must
 * match a card already on the account. The proof's card is detached again afterwards.
 */
export const cardResetProof: ChallengeMethod = {
  name: "card",
  async availableTo(deps, userId) {
    if ((await listActiveCards(deps.db, userId)).length === 0) return undefined;
    return async () => {
      const customer = await ensureCustomer(deps, userId);
      const intent = await callStripe(() =>
        deps.stripe.sdk.setupIntents.create({
          customer,
          usage: "on_session",
          metadata: { user_id: userId, purpose: "pin_reset" },
        }),
      );
      return {
        prompt: { setup_intent_id: intent.id, client_secret: intent.client_secret ?? "" },
        context: { setup_intent_id: intent.id },
      };
    };
  },
  async verify(deps, input) {
    parseMethodResponse(CardProofResponse, input.response, "response");
    const setupIntentId = input.context.setup_intent_id ?? "";
    const intent = await callStripe(() =>
      deps.stripe.sdk.setupIntents.retrieve(setupIntentId, { expand: ["payment_method"] }),
    );
    const pm = intent.payment_method as Stripe.PaymentMethod | null;
    if (intent.status !== "succeeded" || !pm?.card?.fingerprint) {
      throw new AppError("RESET_PROOF_FAILED", {
        detail: "Confirm the card with the setup this reset started, then try again",
      });
    }
    const fingerprint = pm.card.fingerprint;
    const card = (await listActiveCards(deps.db, input.userId)).find((c) => c.fingerprint === fingerprint);
    if (pm.customer) await callStripe(() => deps.stripe.sdk.paymentMethods.detach(pm.id));
    if (!card) throw new AppError("RESET_PROOF_FAILED", { detail: "That card is not one enrolled on your account" });
    return { detail: { card_id: card.id } };
  },
};
