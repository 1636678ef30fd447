import { expect } from "vitest";
import { verifyLedger } from "../src/features/ledger/verify-ledger";
import type { PaymentDto } from "../src/features/payments/payments.schemas";
import { enrollTestCard } from "./cards-helpers";
import type { Harness } from "./harness";
import { setPin } from "./security-helpers";
import type { SoftwareAuthenticator } from "./software-authenticator";

export type Person = { id: string; token: string; handle: string };
export const PIN = "480917";
let keys = 0;

export type Created = {
  payment: PaymentDto;
  confirmation: { challenge_id: string; methods: { method: string; prompt: Record<string, unknown> }[] } | null;
};

/** A person ready to send: a PIN and, unless told otherwise, Stripe's visa debit test card. */
export async function sender(h: Harness, handle: string, card: string | null = "visa_debit"): Promise<Person> {
  const person = { ...(await h.signIn(handle)), handle };
  expect((await setPin(h, person, PIN)).status).toBe(201);
  if (card) expect((await enrollTestCard(h, person, card)).status).toBe(201);
  return person;
}

export async function directThread(h: Harness, a: Person, b: Person): Promise<string> {
  const res = await h.request("POST", "/v1/threads", { token: a.token, body: { kind: "direct", member_ids: [b.id] } });
  return ((await res.json()) as { id: string }).id;
}

export function send(
  h: Harness,
  from: Person,
  threadId: string,
  body: Record<string, unknown>,
  key: string | null = `pay-${keys++}`,
): Promise<Response> {
  return h.request("POST", `/v1/threads/${threadId}/payments`, {
    token: from.token,
    body,
    headers: key ? { "Idempotency-Key": key } : {},
  });
}

export async function sendOk(
  h: Harness,
  from: Person,
  threadId: string,
  to: Person,
  amountMinor: number,
  memo?: string,
): Promise<Created> {
  const res = await send(h, from, threadId, {
    recipient_id: to.id,
    amount_minor: amountMinor,
    currency: "USD",
    ...(memo ? { memo } : {}),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Created;
}

/** The codes of the risk warnings a payment's sender read when it was created: what confirming acknowledges. */
export const warningsOf = (created: Created): string[] => created.payment.risk?.warnings.map((w) => w.code) ?? [];

/** Confirms with the PIN, acknowledging the payment's risk warnings as a person who read them would. */
export async function confirmWithPin(
  h: Harness,
  from: Person,
  created: Created,
  pin = PIN,
  key: string | null = null,
): Promise<Response> {
  return h.request("POST", `/v1/payments/${created.payment.id}/confirm`, {
    token: from.token,
    body: {
      challenge_id: created.confirmation?.challenge_id,
      method: "pin",
      response: { pin },
      acknowledged_warnings: warningsOf(created),
    },
    headers: key ? { "Idempotency-Key": key } : {},
  });
}

/** Confirms with a passkey held by the software authenticator, acknowledging the risk warnings. */
export async function confirmWithPasskey(
  h: Harness,
  from: Person,
  created: Created,
  authenticator: SoftwareAuthenticator,
  key: string | null = null,
): Promise<Response> {
  const webauthn = created.confirmation?.methods.find((m) => m.method === "webauthn");
  const prompt = webauthn?.prompt as { options: Parameters<SoftwareAuthenticator["assert"]>[0] } | undefined;
  if (!prompt) throw new Error(`Payment ${created.payment.id} offers no passkey confirmation`);
  return h.request("POST", `/v1/payments/${created.payment.id}/confirm`, {
    token: from.token,
    body: {
      challenge_id: created.confirmation?.challenge_id,
      method: "webauthn",
      response: { credential: await authenticator.assert(prompt.options) },
      acknowledged_warnings: warningsOf(created),
    },
    headers: key ? { "Idempotency-Key": key } : {},
  });
}

/** Waits until every webhook the emulator has queued has been delivered and handled. */
export async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 5; i++) await h.emulator.control.webhooks.idle();
}

export async function paymentOf(h: Harness, person: Person, id: string): Promise<PaymentDto> {
  return (await (await h.request("GET", `/v1/payments/${id}`, { token: person.token })).json()) as PaymentDto;
}

/**
 * After every test: the ledger balances, and every charged payment is delivered, held by the
 * risk decision (its charge's hold still pending), waiting within its claim window, or
 * returned (its refund done).
 */
export async function expectMoneyAccountedFor(h: Harness): Promise<void> {
  await settle(h);
  expect(await verifyLedger(h.db)).toMatchObject({ ok: true });
  const charged = await h.db
    .selectFrom("payments")
    .selectAll()
    .where("funding", "=", "card")
    .where("status", "not in", ["processing", "requires_action", "failed"])
    .execute();
  const now = h.clock.now();
  for (const p of charged) {
    const ok =
      p.status === "paid_out" ||
      p.status === "held" ||
      p.status === "paying_out" ||
      (p.status === "awaiting_recipient" && (p.claim_by ?? now) > now) ||
      (["canceled", "declined", "refunded"].includes(p.status) && p.refund_state === "succeeded");
    expect(ok, `payment ${p.id} is ${p.status} (refund ${p.refund_state})`).toBe(true);
  }
}
