import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CURSOR_ORIGIN, listEventsAfter } from "../src/features/events/events.repository";
import { publishEvent } from "../src/features/events/publish-event";
import { EVENT_NOTIFIER_APPLICATION_NAME } from "../src/platform/event-notifier-pg";
import { runSweep } from "../src/sweep";
import { createHarness, type Harness } from "./harness";
import { listen, openSse, SSE_WAIT_MS, type SseClient } from "./sse-client";

type Person = { id: string; token: string };

const MAX_STREAMS_PER_USER = 2;
const DAY_MS = 86_400_000;

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
const open: SseClient[] = [];

beforeAll(async () => {
  h = await createHarness({
    EVENTS_MAX_STREAMS_PER_USER: String(MAX_STREAMS_PER_USER),
    EVENTS_KEEPALIVE_SECONDS: "0.1",
    EVENTS_RETENTION_DAYS: "7",
  });
  server = await listen(h.app.fetch);
});
afterAll(async () => {
  for (const client of open) client.close();
  await h.close();
  await server.close();
});

async function stream(person: Person, headers: Record<string, string> = {}, query = ""): Promise<SseClient> {
  const client = await openSse(`${server.url}/v1/events${query}`, person.token, headers);
  open.push(client);
  return client;
}

/** Hangs up and waits until the server has noticed (the slot is free again). */
async function hangUp(client: SseClient, person: Person): Promise<void> {
  const before = h.deps.events.count(person.id);
  client.close();
  await vi.waitFor(() => expect(h.deps.events.count(person.id)).toBe(before - 1), { timeout: SSE_WAIT_MS });
}

async function thread(by: Person, other: Person): Promise<string> {
  const res = await h.request("POST", "/v1/threads", {
    token: by.token,
    body: { kind: "direct", member_ids: [other.id] },
  });
  return ((await res.json()) as { id: string }).id;
}

async function post(by: Person, threadId: string, body: string): Promise<string> {
  const res = await h.request("POST", `/v1/threads/${threadId}/messages`, { token: by.token, body: { body } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Publishes one event in its own committed transaction, the way feature code does inside its own. */
function publish(userIds: string[], type: string, data: Record<string, unknown>): Promise<void> {
  return h.db.transaction().execute((trx) => publishEvent(trx, { userIds, type, data, at: h.clock.now() }));
}

describe("GET /v1/events", () => {
  it("delivers a new message to every member's open stream, and to no one else", async () => {
    const [alice, bob, carol] = await Promise.all([h.signIn("alice"), h.signIn("bob"), h.signIn("carol")]);
    const aliceAndBob = await thread(alice, bob);
    const aliceAndCarol = await thread(alice, carol);
    const [a, b, c] = await Promise.all([stream(alice), stream(bob), stream(carol)]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(a.response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);

    const messageId = await post(alice, aliceAndBob, "dinner at 8?");
    for (const member of [a, b]) {
      const event = await member.next();
      expect(event.event).toBe("message.created");
      expect(event.id).toMatch(/^\d+$/);
      expect(event.data).toMatchObject({
        id: messageId,
        thread_id: aliceAndBob,
        sender_id: alice.id,
        body: "dinner at 8?",
      });
    }

    // Carol's next event is the one meant for her: the first message never reached her stream.
    await post(alice, aliceAndCarol, "and you?");
    expect((await c.next()).data).toMatchObject({ thread_id: aliceAndCarol, body: "and you?" });
  });

  it("replays exactly the missed events after Last-Event-ID, in order, then continues live", async () => {
    const [dana, eli] = await Promise.all([h.signIn("dana"), h.signIn("eli")]);
    const threadId = await thread(dana, eli);
    const first = await stream(eli);
    await post(dana, threadId, "one");
    const seen = await first.next();
    await hangUp(first, eli);

    for (const body of ["two", "three"]) await post(dana, threadId, body);
    const resumed = await stream(eli, { "Last-Event-ID": seen.id });
    const replayed = [await resumed.next(), await resumed.next()];
    expect(replayed.map((e) => e.data.body)).toEqual(["two", "three"]);
    await post(dana, threadId, "four");
    expect((await resumed.next()).data.body).toBe("four");
    await hangUp(resumed, eli);

    // EventSource cannot set headers on its first request: the query works too; on reconnect the header wins.
    const byQuery = await stream(eli, {}, `?last_event_id=${replayed[1]?.id}`);
    expect((await byQuery.next()).data.body).toBe("four");
    await hangUp(byQuery, eli);
    const both = await stream(eli, { "Last-Event-ID": replayed[0]?.id ?? "" }, `?last_event_id=${seen.id}`);
    expect((await both.next()).data.body).toBe("three");
  });

  it("replays a long backlog page by page without losing or reordering anything", async () => {
    const fay = await h.signIn("fay");
    const before = await stream(fay);
    await publish([fay.id], "test.marker", { n: 0 });
    const marker = await before.next();
    await hangUp(before, fay);

    const backlog = 250;
    await h.db.transaction().execute(async (trx) => {
      for (let n = 1; n <= backlog; n++) {
        await publishEvent(trx, { userIds: [fay.id], type: "test.backlog", data: { n }, at: h.clock.now() });
      }
    });
    const resumed = await stream(fay, { "Last-Event-ID": marker.id });
    const received: number[] = [];
    for (let n = 1; n <= backlog; n++) received.push((await resumed.next()).data.n as number);
    expect(received).toEqual(Array.from({ length: backlog }, (_, i) => i + 1));
  });

  it("sends every stream of a person the same events, and refuses a stream over the limit with 429", async () => {
    const gus = await h.signIn("gus");
    const phone = await stream(gus);
    const laptop = await stream(gus);
    const third = await stream(gus);
    expect(third.status).toBe(429);
    expect(third.response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(((await third.response.json()) as { code: string }).code).toBe("TOO_MANY_STREAMS");

    await publish([gus.id], "payment.updated", { id: "pay_1", status: "processing" });
    const [onPhone, onLaptop] = [await phone.next(), await laptop.next()];
    expect(onPhone).toEqual(onLaptop);
    expect(onPhone).toMatchObject({ event: "payment.updated", data: { id: "pay_1", status: "processing" } });
  });

  it("frees a stream's slot when its client hangs up", async () => {
    const hal = await h.signIn("hal");
    const streams = [await stream(hal), await stream(hal)];
    expect((await stream(hal)).status).toBe(429);
    expect(h.deps.events.count(hal.id)).toBe(MAX_STREAMS_PER_USER);
    if (streams[0]) await hangUp(streams[0], hal);
    const again = await stream(hal);
    expect(again.status).toBe(200);
    await publish([hal.id], "test.after_hang_up", {});
    expect((await again.next()).event).toBe("test.after_hang_up");
  });

  it("delivers nothing from a transaction that rolls back", async () => {
    const ida = await h.signIn("ida");
    const s = await stream(ida);
    await expect(
      h.db.transaction().execute(async (trx) => {
        await publishEvent(trx, { userIds: [ida.id], type: "test.rolled_back", data: {}, at: h.clock.now() });
        throw new Error("the payment failed after publishing");
      }),
    ).rejects.toThrow("the payment failed");
    await publish([ida.id], "test.committed", {});
    expect((await s.next()).event).toBe("test.committed");
    const stored = await h.db.selectFrom("user_events").select("type").where("user_id", "=", ida.id).execute();
    expect(stored.map((row) => row.type)).toEqual(["test.committed"]);
  });

  it("never skips an event whose transaction commits after a later one's", async () => {
    const jo = await h.signIn("jo");
    const s = await stream(jo);
    let finishSlow = () => {};
    const slowMayCommit = new Promise<void>((resolve) => {
      finishSlow = resolve;
    });
    let slowPublished = () => {};
    const published = new Promise<void>((resolve) => {
      slowPublished = resolve;
    });
    // The slow transaction takes the lower id, then stays open while a later one commits.
    const slow = h.db.transaction().execute(async (trx) => {
      await publishEvent(trx, { userIds: [jo.id], type: "test.slow", data: {}, at: h.clock.now() });
      slowPublished();
      await slowMayCommit;
    });
    await published;
    await publish([jo.id], "test.fast", {});
    // Committed, but behind a transaction still running: not yet deliverable, and said to be waiting.
    expect(await listEventsAfter(h.db, jo.id, CURSOR_ORIGIN, 10)).toEqual({ events: [], unsettled: true });
    finishSlow();
    await slow;
    const events = [await s.next(), await s.next()];
    expect(events.map((e) => e.event)).toEqual(["test.slow", "test.fast"]);
    expect(BigInt(events[0]?.id ?? "0")).toBeLessThan(BigInt(events[1]?.id ?? "0"));
  });

  it("only ever shows your own events, even when resuming after someone else's event id", async () => {
    const [kim, lee] = await Promise.all([h.signIn("kim"), h.signIn("lee")]);
    const kims = await stream(kim);
    await publish([kim.id], "test.for_kim", {});
    const kimsEvent = await kims.next();
    await publish([lee.id], "test.for_lee", { n: 1 });

    // An id that is not Lee's cannot be placed in Lee's stream: Lee gets Lee's own kept events.
    const lees = await stream(lee, { "Last-Event-ID": kimsEvent.id });
    expect(await lees.next()).toMatchObject({ event: "test.for_lee", data: { n: 1 } });
    await publish([lee.id], "test.for_lee", { n: 2 });
    expect(await lees.next()).toMatchObject({ event: "test.for_lee", data: { n: 2 } });
  });

  it("refuses a Last-Event-ID that is not an event id", async () => {
    const max = await h.signIn("max");
    for (const headers of [{ "Last-Event-ID": "abc" }, { "Last-Event-ID": "99999999999999999999" }]) {
      const res = await h.request("GET", "/v1/events", { token: max.token, headers });
      expect(res.status).toBe(422);
    }
    expect((await h.request("GET", "/v1/events?last_event_id=-1", { token: max.token })).status).toBe(422);
    expect((await h.request("GET", "/v1/events")).status).toBe(401);
  });

  it("keeps an idle stream alive with comment lines", async () => {
    const ned = await h.signIn("ned");
    const s = await stream(ned);
    expect(await s.nextComment()).toBe("keep-alive");
    expect(await s.nextComment()).toBe("keep-alive");
  });

  it("keeps delivering after the notifier's connection is terminated", async () => {
    const oz = await h.signIn("oz");
    const s = await stream(oz);
    const notifierPid = async () => {
      const { rows } = await sql<{ pid: number }>`
        select pid from pg_stat_activity
        where application_name = ${EVENT_NOTIFIER_APPLICATION_NAME} and datname = current_database()`.execute(h.db);
      return rows.map((row) => row.pid);
    };
    const [before] = await notifierPid();
    expect(before).toBeDefined();
    await sql`select pg_terminate_backend(${before})`.execute(h.db);

    // Published while nobody may be listening: the reconnect wakes every stream, which rereads.
    await publish([oz.id], "test.during_outage", {});
    expect((await s.next()).event).toBe("test.during_outage");

    await vi.waitFor(
      async () => {
        expect(h.notifier.listening).toBe(true);
        const pids = await notifierPid();
        expect(pids).toHaveLength(1);
        expect(pids[0]).not.toBe(before);
      },
      { timeout: SSE_WAIT_MS },
    );
    await publish([oz.id], "test.after_reconnect", {});
    expect((await s.next()).event).toBe("test.after_reconnect");
  });

  it("purges events older than the retention window, and only those", async () => {
    const pat = await h.signIn("pat");
    await publish([pat.id], "test.old", {});
    h.clock.advance(DAY_MS);
    await publish([pat.id], "test.recent", {});
    h.clock.advance(6 * DAY_MS + 60_000);

    expect((await runSweep(h.deps))?.eventsPurged).toBeGreaterThanOrEqual(1);
    const kept = await h.db.selectFrom("user_events").select("type").where("user_id", "=", pat.id).execute();
    expect(kept.map((row) => row.type)).toEqual(["test.recent"]);
  });
});

describe("shutdown", () => {
  it("ends every open stream and admits no new one", async () => {
    const own = await createHarness();
    const ownServer = await listen(own.app.fetch);
    try {
      const quinn = await own.signIn("quinn");
      const s = await openSse(`${ownServer.url}/v1/events`, quinn.token);
      expect(s.status).toBe(200);
      own.deps.events.closeAll();
      await s.ended();
      expect(own.deps.events.count()).toBe(0);
      const late = await openSse(`${ownServer.url}/v1/events`, quinn.token);
      expect(late.status).toBe(503);
    } finally {
      await own.close();
      await ownServer.close();
    }
  });
});
