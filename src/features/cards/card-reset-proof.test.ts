import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmSetupAtStripe, enrollTestCard } from "../../../test/cards-helpers";
import { createHarness, type Harness } from "../../../test/harness";
import { setPin } from "../../../test/security-helpers";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function beginCardReset(token: string) {
  const res = await h.request("POST", "/v1/me/pin/reset-challenges", { token, body: { proof: "card" } });
  expect(res.status).toBe(201);
  return (await res.json()) as { challenge_id: string; prompt: { setup_intent_id: string } };
}

describe("PIN reset by proving possession of an enrolled card", () => {
  it("accepts the same card (by fingerprint) and refuses another", async () => {
    const person = await h.signIn("forgetful");
    expect((await setPin(h, person, "480917")).status).toBe(201);
    expect((await enrollTestCard(h, person, "visa_debit")).status).toBe(201);

    const wrong = await beginCardReset(person.token);
    await confirmSetupAtStripe(h, wrong.prompt.setup_intent_id, "pm_card_mastercard_debit");
    const refused = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: wrong.challenge_id, new_pin: "736251", response: {} },
    });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { code: string }).code).toBe("RESET_PROOF_FAILED");

    const right = await beginCardReset(person.token);
    await confirmSetupAtStripe(h, right.prompt.setup_intent_id, "pm_card_visa_debit");
    const reset = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: right.challenge_id, new_pin: "736251", response: {} },
    });
    expect(reset.status).toBe(200);
    const event = await h.db
      .selectFrom("security_events")
      .selectAll()
      .where("user_id", "=", person.id)
      .where("kind", "=", "pin_reset")
      .executeTakeFirstOrThrow();
    expect(event.detail).toMatchObject({ proof: "card" });
    const attached = await h.deps.stripe.sdk.paymentMethods.list({
      customer: (
        await h.db
          .selectFrom("stripe_customers")
          .select("customer_id")
          .where("user_id", "=", person.id)
          .executeTakeFirstOrThrow()
      ).customer_id,
      type: "card",
    });
    expect(attached.data).toHaveLength(1);
  });

  it("is not offered to a person without a card", async () => {
    const person = await h.signIn("cardless");
    await setPin(h, person, "480917");
    const res = await h.request("POST", "/v1/me/pin/reset-challenges", {
      token: person.token,
      body: { proof: "card" },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe("RESET_PROOF_UNAVAILABLE");
  });
});
