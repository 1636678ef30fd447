import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPEN_CHALLENGES_MAX } from "../src/features/security/challenges";
import { enrollTestCard } from "./cards-helpers";
import { footprint } from "./footprint";
import { createHarness, type Harness } from "./harness";
import {
  type Created,
  confirmWithPin,
  directThread,
  type Person,
  paymentOf,
  send,
  sender,
  sendOk,
} from "./payment-helpers";

let h: Harness;
let bob: Person;

beforeAll(async () => {
  h = await createHarness();
  bob = await sender(h, "bob", null);
});
afterAll(() => h.close());

const CONCURRENT = 50;

async function rowsOf(
  table: "payments" | "messages" | "idempotency_keys" | "security_challenges",
  column: string,
  id: string,
) {
  const row = await h.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<bigint>().as("n"))
    .where(column as never, "=", id as never)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("per-person limits under concurrency", () => {
  it(`creates exactly ${5} unconfirmed payments out of ${CONCURRENT} at once; the refused ones leave nothing, and a retry after the limit frees runs`, async () => {
    const alice = await sender(h, "alice");
    const threadId = await directThread(h, alice, bob);
    const max = h.config.payments.maxPendingConfirmations;
    const body = { recipient_id: bob.id, amount_minor: 100, currency: "USD" };

    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => send(h, alice, threadId, body, `burst-${i}`)),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(CONCURRENT - max);
    const refused = answers.findIndex((r) => r.status === 429);
    expect(answers[refused]?.headers.get("Retry-After")).toMatch(/^\d+$/);

    // Only the created ones exist: payments, their messages, their challenges, their stored answers.
    expect(await rowsOf("payments", "sender_id", alice.id)).toBe(max);
    expect(await rowsOf("messages", "sender_id", alice.id)).toBe(max);
    expect(await rowsOf("security_challenges", "user_id", alice.id)).toBe(max);
    expect(await rowsOf("idempotency_keys", "user_id", alice.id)).toBe(max);

    // The refusal was not kept: once a pending payment is canceled, the same key creates one.
    const again = await send(h, alice, threadId, body, `burst-${refused}`);
    expect(again.status).toBe(429);
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
    const created = (await answers.find((r) => r.status === 201)?.json()) as Created;
    const cancel = await h.request("POST", `/v1/payments/${created.payment.id}/cancel`, { token: alice.token });
    expect(cancel.status).toBe(200);
    const retried = await send(h, alice, threadId, body, `burst-${refused}`);
    expect(retried.status).toBe(201);
  });

  it(`opens exactly ${OPEN_CHALLENGES_MAX} challenges when ${CONCURRENT} are asked for at once, and refusals write nothing`, async () => {
    const carol = await sender(h, "carol");
    const threadId = await directThread(h, carol, bob);
    const { payment } = await sendOk(h, carol, threadId, bob, 250);
    const before = await footprint(h.db);

    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        h.request("POST", `/v1/payments/${payment.id}/confirmation`, {
          token: carol.token,
          headers: { "Idempotency-Key": `challenge-${i}` },
        }),
      ),
    );
    const opened = answers.filter((r) => r.status === 201).length;
    expect(opened).toBe(OPEN_CHALLENGES_MAX - 1);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(CONCURRENT - opened);
    expect(await rowsOf("security_challenges", "user_id", carol.id)).toBe(OPEN_CHALLENGES_MAX);

    const after = await footprint(h.db);
    expect(after.security_challenges).toBe((before.security_challenges ?? 0) + opened);
    expect(after.idempotency_keys).toBe((before.idempotency_keys ?? 0) + opened);
  });

  it("enrolls cards started at the same time one after the other: one default, no duplicate, no server error", async () => {
    const dave = await h.signIn("dave");
    const person = { ...dave, handle: "dave" };
    const answers = await Promise.all(
      ["visa_debit", "mastercard_debit", "visa_debit", "visa_debit"].map((name) => enrollTestCard(h, person, name)),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409]);
    const cards = await h.db
      .selectFrom("cards")
      .selectAll()
      .where("user_id", "=", dave.id)
      .where("removed_at", "is", null)
      .execute();
    expect(cards).toHaveLength(2);
    expect(cards.filter((c) => c.is_default)).toHaveLength(1);
  });

  it("refuses a confirmation that cannot be funded without using its challenge up or changing anything", async () => {
    const erin = await sender(h, "erin");
    const threadId = await directThread(h, erin, bob);
    const created = await sendOk(h, erin, threadId, bob, 4_000);
    const cards = (await (await h.request("GET", "/v1/cards", { token: erin.token })).json()) as {
      items: { id: string }[];
    };
    const card = cards.items[0];
    expect((await h.request("DELETE", `/v1/cards/${card?.id}`, { token: erin.token })).status).toBe(204);

    const before = await footprint(h.db);
    const refused = await confirmWithPin(h, erin, created);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { code: string }).code).toBe("NO_FUNDING_SOURCE");
    expect(await footprint(h.db)).toEqual(before);
    expect((await paymentOf(h, erin, created.payment.id)).status).toBe("requires_confirmation");

    // With a card again, the same challenge confirms it: the refusal did not use it up.
    expect((await enrollTestCard(h, erin, "mastercard_debit")).status).toBe(201);
    expect((await confirmWithPin(h, erin, created)).status).toBe(200);
  });
});
