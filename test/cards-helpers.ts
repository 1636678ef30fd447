import type { Harness } from "./harness";

type Person = { id: string; token: string };

/** What a browser with Stripe.js does: confirm the SetupIntent with the card (here, a test card by name). */
export async function confirmSetupAtStripe(
  h: Harness,
  setupIntentId: string,
  paymentMethod: string,
): Promise<Response> {
  const body = new URLSearchParams({ payment_method: paymentMethod });
  return fetch(`http://${h.emulator.host}:${h.emulator.port}/v1/setup_intents/${setupIntentId}/confirm`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${h.deps.stripe.publishableKey}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body,
  });
}

/** Enrolls Stripe's test card `name` (e.g. "visa_debit") for a person, end to end over HTTP. */
export async function enrollTestCard(
  h: Harness,
  person: Person,
  name: string,
  options: { payout?: boolean } = {},
): Promise<Response> {
  const setup = await h.request("POST", "/v1/cards/setup", { token: person.token });
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`);
  const { setup_intent_id } = (await setup.json()) as { setup_intent_id: string };
  await confirmSetupAtStripe(h, setup_intent_id, `pm_card_${name}`);
  return h.request("POST", "/v1/cards", {
    token: person.token,
    body: { setup_intent_id, ...(options.payout ? { payout_token: `tok_${name}` } : {}) },
  });
}

/** Enrolls Stripe's always-3-D-Secure test card, completing the authentication a browser would. */
export async function enrollThreeDSecureCard(h: Harness, person: Person): Promise<Response> {
  const setup = await h.request("POST", "/v1/cards/setup", { token: person.token });
  const { setup_intent_id } = (await setup.json()) as { setup_intent_id: string };
  await confirmSetupAtStripe(h, setup_intent_id, "pm_card_authenticationRequired");
  await fetch(`http://${h.emulator.host}:${h.emulator.port}/_emulator/setup_intents/${setup_intent_id}/authenticate`, {
    method: "POST",
  });
  return h.request("POST", "/v1/cards", { token: person.token, body: { setup_intent_id } });
}
