import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";
import { confirmWithPin, type Person, sender, sendOk } from "./payment-helpers";
import { listen, openSse, type SseClient, type SseEvent } from "./sse-client";

/**
 * An unconfirmed payment is its sender's intention, not money: nobody else sees it, through the
 * API or live events, until the sender confirms it; one canceled first is never seen at all.
 */
let h: Harness;
let server: { url: string; close(): Promise<void> };
let alice: Person;
let bob: Person;
let carol: Person;
let streams: { bob: SseClient; carol: SseClient };
let threadId: string;

beforeAll(async () => {
  h = await createHarness();
  server = await listen(h.app.fetch);
  alice = await sender(h, "alice");
  bob = await sender(h, "bob", null);
  carol = await sender(h, "carol", null);
  streams = {
    bob: await openSse(`${server.url}/v1/events`, bob.token),
    carol: await openSse(`${server.url}/v1/events`, carol.token),
  };
});
afterAll(async () => {
  streams.bob.close();
  streams.carol.close();
  await server.close();
  await h.close();
});

/** Events up to and including the first message whose body is `marker`: what arrived before it, in order. */
async function eventsUntil(stream: SseClient, marker: string): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for (;;) {
    const event = await stream.next();
    seen.push(event);
    if (event.event === "message.created" && event.data.body === marker) return seen;
  }
}

async function say(body: string): Promise<void> {
  const res = await h.request("POST", `/v1/threads/${threadId}/messages`, { token: alice.token, body: { body } });
  expect(res.status).toBe(201);
}

async function whatBobSees(paymentId: string) {
  const get = (path: string) => h.request("GET", path, { token: bob.token });
  const messages = (await (await get(`/v1/threads/${threadId}/messages`)).json()) as {
    items: { payment_id: string | null }[];
  };
  const received = (await (await get("/v1/payments?direction=received")).json()) as { items: { id: string }[] };
  const all = (await (await get("/v1/payments")).json()) as { items: { id: string }[] };
  return {
    payment: (await get(`/v1/payments/${paymentId}`)).status,
    receipt: (await get(`/v1/payments/${paymentId}/receipt`)).status,
    inMessages: messages.items.some((m) => m.payment_id === paymentId),
    inReceived: received.items.some((p) => p.id === paymentId),
    inAll: all.items.some((p) => p.id === paymentId),
  };
}

describe("a payment nobody but its sender sees until it is confirmed", () => {
  it("tells every member about a new group thread before anyone writes in it", async () => {
    const res = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: { kind: "group", member_ids: [bob.id, carol.id], title: "Flat" },
    });
    expect(res.status).toBe(201);
    threadId = ((await res.json()) as { id: string }).id;
    for (const stream of [streams.bob, streams.carol]) {
      const event = await stream.next();
      expect(event).toMatchObject({ event: "thread.created", data: { id: threadId, title: "Flat" } });
      expect((event.data.members as unknown[]).length).toBe(3);
    }
  });

  it("hides an unconfirmed payment from the recipient and the thread (API and events), then shows it on confirmation", async () => {
    const created = await sendOk(h, alice, threadId, bob, 1234, "rent");
    const paymentId = created.payment.id;
    await say("after the payment was created");

    expect(await whatBobSees(paymentId)).toEqual({
      payment: 404,
      receipt: 404,
      inMessages: false,
      inReceived: false,
      inAll: false,
    });
    const decline = await h.request("POST", `/v1/payments/${paymentId}/decline`, { token: bob.token });
    expect(decline.status).toBe(404);
    for (const stream of [streams.bob, streams.carol]) {
      const before = await eventsUntil(stream, "after the payment was created");
      expect(before.map((e) => e.event)).toEqual(["message.created"]);
    }
    // Its sender sees it as always.
    const own = (await (await h.request("GET", `/v1/threads/${threadId}/messages`, { token: alice.token })).json()) as {
      items: { payment_id: string | null }[];
    };
    expect(own.items.some((m) => m.payment_id === paymentId)).toBe(true);

    expect((await confirmWithPin(h, alice, created)).status).toBe(200);
    await say("after the payment was confirmed");
    const bobEvents = await eventsUntil(streams.bob, "after the payment was confirmed");
    expect(bobEvents.find((e) => e.event === "message.created" && e.data.payment_id === paymentId)).toBeDefined();
    expect(bobEvents.find((e) => e.event === "payment.updated" && e.data.id === paymentId)).toBeDefined();
    const carolEvents = await eventsUntil(streams.carol, "after the payment was confirmed");
    expect(carolEvents.find((e) => e.event === "message.created" && e.data.payment_id === paymentId)).toBeDefined();
    expect(carolEvents.some((e) => e.event === "payment.updated")).toBe(false);

    expect(await whatBobSees(paymentId)).toEqual({
      payment: 200,
      receipt: 200,
      inMessages: true,
      inReceived: true,
      inAll: true,
    });
  });

  it("never shows a payment canceled before it was confirmed", async () => {
    const created = await sendOk(h, alice, threadId, bob, 500);
    const canceled = await h.request("POST", `/v1/payments/${created.payment.id}/cancel`, { token: alice.token });
    expect(canceled.status).toBe(200);
    await say("after the cancel");
    for (const stream of [streams.bob, streams.carol]) {
      expect((await eventsUntil(stream, "after the cancel")).map((e) => e.event)).toEqual(["message.created"]);
    }
    expect(await whatBobSees(created.payment.id)).toMatchObject({ payment: 404, inMessages: false, inAll: false });
  });
});
