import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runSweep } from "../src/sweep";
import { createHarness, type Harness } from "./harness";
import { type Created, confirmWithPin, expectMoneyAccountedFor, type Person, sender } from "./payment-helpers";

let h: Harness;
let n = 0;
const handle = (base: string) => `${base}_${n++}`;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
afterEach(() => expectMoneyAccountedFor(h));

type RequestDto = { id: string; status: string; shares: { payer_id: string; amount_minor: number; status: string }[] };

async function group(author: Person, others: Person[]): Promise<string> {
  const res = await h.request("POST", "/v1/threads", {
    token: author.token,
    body: { kind: "group", member_ids: others.map((o) => o.id) },
  });
  return ((await res.json()) as { id: string }).id;
}

const ask = (author: Person, thread: string, body: Record<string, unknown>) =>
  h.request("POST", `/v1/threads/${thread}/requests`, { token: author.token, body });

const pay = async (payer: Person, requestId: string): Promise<Created> => {
  const res = await h.request("POST", `/v1/requests/${requestId}/pay`, {
    token: payer.token,
    headers: { "Idempotency-Key": `req-${n++}` },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Created;
};

const view = async (person: Person, id: string) =>
  (await (await h.request("GET", `/v1/requests/${id}`, { token: person.token })).json()) as RequestDto;

describe("requests", () => {
  it("splits a group request equally (counting the author), tracks who paid, and completes", async () => {
    const alice = await sender(h, handle("alice"), null);
    const [bob, carol, dave] = await Promise.all([
      sender(h, handle("bob")),
      sender(h, handle("carol")),
      sender(h, handle("dave")),
    ]);
    const thread = await group(alice, [bob, carol, dave]);
    const res = await ask(alice, thread, {
      amount_minor: 3001,
      currency: "USD",
      memo: "dinner",
      payer_ids: [bob.id, carol.id, dave.id],
      include_self: true,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const request = (await res.json()) as RequestDto;
    expect(request.shares.map((s) => s.amount_minor).sort()).toEqual([750, 750, 751]);

    const bobs = await pay(bob, request.id);
    expect(bobs.payment).toMatchObject({ request_id: request.id, recipient_id: alice.id });
    // Until Bob confirms, his payment is his intention: the thread still sees his share pending.
    expect((await view(carol, request.id)).shares.find((s) => s.payer_id === bob.id)).toMatchObject({
      status: "pending",
      payment_id: null,
    });
    expect(await (await confirmWithPin(h, bob, bobs)).json()).toMatchObject({ status: "awaiting_recipient" });
    expect((await view(carol, request.id)).shares.find((s) => s.payer_id === bob.id)?.status).toBe("paid");

    const again = await h.request("POST", `/v1/requests/${request.id}/pay`, {
      token: bob.token,
      headers: { "Idempotency-Key": `req-${n++}` },
    });
    expect(again.status).toBe(409);

    expect((await h.request("POST", `/v1/requests/${request.id}/decline`, { token: carol.token })).status).toBe(200);
    expect((await view(alice, request.id)).status).toBe("open");
    await confirmWithPin(h, dave, await pay(dave, request.id));
    const done = await view(alice, request.id);
    expect(done.status).toBe("completed");
    expect(Object.fromEntries(done.shares.map((s) => [s.payer_id, s.status]))).toEqual({
      [bob.id]: "paid",
      [carol.id]: "declined",
      [dave.id]: "paid",
    });

    const messages = (await (
      await h.request("GET", `/v1/threads/${thread}/messages`, { token: dave.token })
    ).json()) as { items: { kind: string }[] };
    expect(messages.items.map((m) => m.kind).sort()).toEqual(["payment", "payment", "request"]);
  });

  it("takes explicit amounts only when they sum to the total, and asks only members", async () => {
    const alice = await sender(h, handle("alice"), null);
    const [bob, carol] = await Promise.all([sender(h, handle("bob")), sender(h, handle("carol"))]);
    const outsider = await sender(h, handle("eve"), null);
    const thread = await group(alice, [bob, carol]);
    const wrongSum = await ask(alice, thread, {
      amount_minor: 1000,
      currency: "USD",
      shares: [
        { payer_id: bob.id, amount_minor: 400 },
        { payer_id: carol.id, amount_minor: 500 },
      ],
    });
    expect(((await wrongSum.json()) as { code: string }).code).toBe("REQUEST_SHARES_INVALID");
    const notMember = await ask(alice, thread, { amount_minor: 1000, currency: "USD", payer_ids: [outsider.id] });
    expect(((await notMember.json()) as { code: string }).code).toBe("REQUEST_SHARES_INVALID");
    const ok = await ask(alice, thread, {
      amount_minor: 1000,
      currency: "USD",
      shares: [
        { payer_id: bob.id, amount_minor: 300 },
        { payer_id: carol.id, amount_minor: 500 },
        { payer_id: alice.id, amount_minor: 200 },
      ],
    });
    const created = (await ok.json()) as RequestDto;
    expect(created.shares.map((s) => s.amount_minor).sort()).toEqual([300, 500]);
    expect((await h.request("GET", `/v1/requests/${created.id}`, { token: outsider.token })).status).toBe(404);
  });

  it("asks the other person of a direct thread, lets the author cancel, and expires after 7 days", async () => {
    const alice = await sender(h, handle("alice"), null);
    const bob = await sender(h, handle("bob"));
    const res = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: { kind: "direct", member_ids: [bob.id] },
    });
    const thread = ((await res.json()) as { id: string }).id;
    const first = (await (await ask(alice, thread, { amount_minor: 500, currency: "USD" })).json()) as RequestDto;
    expect(first.shares).toEqual([expect.objectContaining({ payer_id: bob.id, amount_minor: 500 })]);
    expect((await h.request("POST", `/v1/requests/${first.id}/cancel`, { token: bob.token })).status).toBe(404);
    expect(
      await (await h.request("POST", `/v1/requests/${first.id}/cancel`, { token: alice.token })).json(),
    ).toMatchObject({ status: "canceled" });

    const second = (await (await ask(alice, thread, { amount_minor: 500, currency: "USD" })).json()) as RequestDto;
    h.clock.advance(7 * 86_400_000);
    expect((await runSweep(h.deps))?.requestsExpired).toBeGreaterThanOrEqual(1);
    const fresh = await h.signIn(bob.handle);
    expect((await view({ ...bob, token: fresh.token }, second.id)).status).toBe("expired");
  });
});
