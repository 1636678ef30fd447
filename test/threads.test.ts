import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

type Person = { id: string; token: string };
type ThreadDto = { id: string; kind: string; members: { id: string }[] };
type Page<T> = { items: T[]; next_cursor: string | null };

let h: Harness;
let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  h = await createHarness();
  [alice, bob, carol] = await Promise.all([h.signIn("alice"), h.signIn("bob"), h.signIn("carol")]);
});
afterAll(() => h.close());

async function createThread(by: Person, body: object): Promise<Response> {
  return h.request("POST", "/v1/threads", { token: by.token, body });
}

describe("threads", () => {
  it("creates a direct thread once; asking again returns the same thread", async () => {
    const first = await createThread(alice, { kind: "direct", member_ids: [bob.id] });
    expect(first.status).toBe(201);
    const thread = (await first.json()) as ThreadDto;
    expect(thread.id).toMatch(/^thr_/);
    expect(thread.members.map((m) => m.id).sort()).toEqual([alice.id, bob.id].sort());

    const again = await createThread(bob, { kind: "direct", member_ids: [alice.id] });
    expect(again.status).toBe(200);
    expect(((await again.json()) as ThreadDto).id).toBe(thread.id);
  });

  it("refuses a direct thread that is not exactly two people, and unknown people", async () => {
    for (const member_ids of [[alice.id], [bob.id, carol.id]]) {
      const res = await createThread(alice, { kind: "direct", member_ids });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { code: string }).code).toBe("THREAD_MEMBERS_INVALID");
    }
    const unknown = await createThread(alice, { kind: "direct", member_ids: ["usr_nobody"] });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { code: string }).code).toBe("UNKNOWN_USER");
  });

  it("allows groups of up to 50 people, you included", async () => {
    const people = await Promise.all(Array.from({ length: 50 }, (_, i) => h.signIn(`member_${i}`)));
    const tooMany = await createThread(alice, { kind: "group", member_ids: people.map((p) => p.id) });
    expect(tooMany.status).toBe(422);
    const full = await createThread(alice, {
      kind: "group",
      title: "Big trip",
      member_ids: people.slice(0, 49).map((p) => p.id),
    });
    expect(full.status).toBe(201);
    expect(((await full.json()) as ThreadDto).members).toHaveLength(50);
  });

  it("lists only your threads, newest first, with cursor pagination", async () => {
    const dave = await h.signIn("dave");
    const created: string[] = [];
    for (const other of [alice, bob, carol]) {
      const res = await createThread(dave, { kind: "direct", member_ids: [other.id] });
      created.push(((await res.json()) as ThreadDto).id);
    }
    const first = (await (
      await h.request("GET", "/v1/threads?limit=2", { token: dave.token })
    ).json()) as Page<ThreadDto>;
    expect(first.items.map((t) => t.id)).toEqual([created[2], created[1]]);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (
      await h.request("GET", `/v1/threads?limit=2&cursor=${first.next_cursor}`, { token: dave.token })
    ).json()) as Page<ThreadDto>;
    expect(second.items.map((t) => t.id)).toEqual([created[0]]);
    expect(second.next_cursor).toBeNull();

    const bad = await h.request("GET", "/v1/threads?cursor=garbage!", { token: dave.token });
    expect(bad.status).toBe(422);
  });
});

describe("messages", () => {
  it("lets members post and read, newest first, with pagination", async () => {
    const res = await createThread(alice, { kind: "group", member_ids: [bob.id] });
    const thread = (await res.json()) as ThreadDto;
    for (const [who, text] of [
      [alice, "hi"],
      [bob, "hello"],
      [alice, "lunch?"],
    ] as const) {
      const posted = await h.request("POST", `/v1/threads/${thread.id}/messages`, {
        token: who.token,
        body: { body: text },
      });
      expect(posted.status).toBe(201);
    }
    const page1 = (await (
      await h.request("GET", `/v1/threads/${thread.id}/messages?limit=2`, { token: bob.token })
    ).json()) as Page<{ body: string; sender_id: string }>;
    expect(page1.items.map((m) => m.body)).toEqual(["lunch?", "hello"]);
    const page2 = (await (
      await h.request("GET", `/v1/threads/${thread.id}/messages?limit=2&cursor=${page1.next_cursor}`, {
        token: bob.token,
      })
    ).json()) as Page<{ body: string; sender_id: string }>;
    expect(page2.items).toEqual([expect.objectContaining({ body: "hi", sender_id: alice.id })]);
    expect(page2.next_cursor).toBeNull();
  });

  it("refuses empty and oversized messages without storing anything", async () => {
    const thread = (await (await createThread(alice, { kind: "direct", member_ids: [carol.id] })).json()) as ThreadDto;
    for (const body of ["", "x".repeat(4001)]) {
      const res = await h.request("POST", `/v1/threads/${thread.id}/messages`, { token: alice.token, body: { body } });
      expect(res.status).toBe(422);
    }
    const count = await h.db
      .selectFrom("messages")
      .where("thread_id", "=", thread.id)
      .select(h.db.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(0n);
  });
});
