import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { footprint } from "./footprint";
import { createHarness, type Harness } from "./harness";
import {
  confirmWithPin,
  directThread,
  expectMoneyAccountedFor,
  type Person,
  sender,
  sendOk,
  settle,
} from "./payment-helpers";

/**
 * Private by default, and the person's choices: who may start a thread with them and who may
 * ask them for money (everyone / people I have paid / nobody), consents that payments need,
 * and nothing about a payment for anyone outside its thread.
 */

let h: Harness;
let n = 0;
const person = (base: string, card: string | null = "visa_debit") => sender(h, `${base}_${n++}`, card);

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
afterEach(() => expectMoneyAccountedFor(h));

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.code).toBe(code);
  return body;
}

const choose = (who: Person, requests_from: string, threads_from: string) =>
  h.request("PUT", "/v1/me/privacy", { token: who.token, body: { requests_from, threads_from } });

const startDirect = (from: Person, to: Person) =>
  h.request("POST", "/v1/threads", { token: from.token, body: { kind: "direct", member_ids: [to.id] } });

const ask = (from: Person, threadId: string, to: Person) =>
  h.request("POST", `/v1/threads/${threadId}/requests`, {
    token: from.token,
    body: { amount_minor: 500, currency: "USD", payer_ids: [to.id] },
  });

async function paidOut(from: Person, threadId: string, to: Person, amount: number) {
  const created = await sendOk(h, from, threadId, to, amount);
  expect((await confirmWithPin(h, from, created)).status).toBe(200);
  await settle(h);
  return created.payment.id;
}

describe("privacy settings", () => {
  it("start as everyone for both, and change only through a valid choice", async () => {
    const alice = await person("alice");
    const initial = await h.request("GET", "/v1/me/privacy", { token: alice.token });
    expect(await initial.json()).toEqual({ requests_from: "everyone", threads_from: "everyone", updated_at: null });
    const res = await choose(alice, "people_i_paid", "nobody");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ requests_from: "people_i_paid", threads_from: "nobody" });
    expect(await (await h.request("GET", "/v1/me/privacy", { token: alice.token })).json()).toMatchObject({
      requests_from: "people_i_paid",
      threads_from: "nobody",
    });
  });

  it("refuse a stranger's thread with 403 problem+json and create nothing; an existing thread still opens", async () => {
    const [bob, stranger, friend] = [await person("bob"), await person("stranger"), await person("friend")];
    const existing = await directThread(h, friend, bob);
    expect((await choose(bob, "everyone", "nobody")).status).toBe(200);
    const before = await footprint(h.db);
    const direct = await expectProblem(await startDirect(stranger, bob), 403, "CONTACT_NOT_ALLOWED");
    expect(direct).toMatchObject({ person_id: bob.id, kind: "thread" });
    const group = await h.request("POST", "/v1/threads", {
      token: stranger.token,
      body: { kind: "group", member_ids: [bob.id, friend.id], title: "Trip" },
    });
    await expectProblem(group, 403, "CONTACT_NOT_ALLOWED");
    expect(await footprint(h.db)).toEqual(before);
    // A direct thread that already exists is not a new contact.
    const again = await startDirect(friend, bob);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(existing);
  });

  it("let only people the person has paid start a thread, with people_i_paid", async () => {
    const [bob, paid, stranger] = [await person("bob"), await person("paid", null), await person("stranger")];
    const group = await h.request("POST", "/v1/threads", {
      token: bob.token,
      body: { kind: "group", member_ids: [paid.id, stranger.id] },
    });
    const groupId = ((await group.json()) as { id: string }).id;
    await paidOut(bob, groupId, paid, 700);
    expect((await choose(bob, "everyone", "people_i_paid")).status).toBe(200);
    const before = await footprint(h.db);
    await expectProblem(await startDirect(stranger, bob), 403, "CONTACT_NOT_ALLOWED");
    expect(await footprint(h.db)).toEqual(before);
    expect((await startDirect(paid, bob)).status).toBe(201);
  });

  it("refuse a request from someone the person does not accept requests from, creating nothing", async () => {
    const [bob, asker] = [await person("bob"), await person("asker", null)];
    const threadId = await directThread(h, asker, bob);
    expect((await choose(bob, "nobody", "everyone")).status).toBe(200);
    const before = await footprint(h.db);
    const refused = await expectProblem(await ask(asker, threadId, bob), 403, "CONTACT_NOT_ALLOWED");
    expect(refused).toMatchObject({ person_id: bob.id, kind: "request" });
    expect(await footprint(h.db)).toEqual(before);

    expect((await choose(bob, "people_i_paid", "everyone")).status).toBe(200);
    await expectProblem(await ask(asker, threadId, bob), 403, "CONTACT_NOT_ALLOWED");
    await paidOut(bob, threadId, asker, 300);
    expect((await ask(asker, threadId, bob)).status).toBe(201);
  });
});

describe("consents", () => {
  it("are recorded with when, can be withdrawn, and payments and requests are refused without them", async () => {
    const [alice, bob] = [await person("alice"), await person("bob", null)];
    const threadId = await directThread(h, alice, bob);
    const listed = (await (await h.request("GET", "/v1/me/consents", { token: alice.token })).json()) as {
      current_terms_version: string;
      purposes: { purpose: string; standing: boolean }[];
      items: { purpose: string; version: string | null; granted_at: string; withdrawn_at: string | null }[];
    };
    expect(listed.purposes.map((p) => [p.purpose, p.standing])).toEqual([
      ["terms", true],
      ["payments", true],
    ]);
    expect(listed.items.find((i) => i.purpose === "terms")?.version).toBe(listed.current_terms_version);

    const withdrawn = await h.request("POST", "/v1/me/consents/payments/withdraw", { token: alice.token });
    expect(withdrawn.status).toBe(200);
    expect(((await withdrawn.json()) as { withdrawn_at: string | null }).withdrawn_at).toBe(
      h.clock.now().toISOString(),
    );

    const before = await footprint(h.db);
    const payment = await h.request("POST", `/v1/threads/${threadId}/payments`, {
      token: alice.token,
      headers: { "Idempotency-Key": "no-consent-1" },
      body: { recipient_id: bob.id, amount_minor: 100, currency: "USD" },
    });
    expect(await expectProblem(payment, 403, "CONSENT_REQUIRED")).toMatchObject({ purpose: "payments" });
    await expectProblem(await ask(alice, threadId, bob), 403, "CONSENT_REQUIRED");
    // A card is payment data too: no enrolling without the opt-in.
    await expectProblem(await h.request("POST", "/v1/cards/setup", { token: alice.token }), 403, "CONSENT_REQUIRED");
    expect(await footprint(h.db)).toEqual(before);
    await expectProblem(
      await h.request("POST", "/v1/me/consents/payments/withdraw", { token: alice.token }),
      404,
      "CONSENT_NOT_FOUND",
    );

    const again = await h.request("POST", "/v1/me/consents", { token: alice.token, body: { purpose: "payments" } });
    expect(again.status).toBe(201);
    expect(
      (await h.request("POST", "/v1/me/consents", { token: alice.token, body: { purpose: "payments" } })).status,
    ).toBe(200);
    const history = (await (await h.request("GET", "/v1/me/consents", { token: alice.token })).json()) as {
      items: { purpose: string; withdrawn_at: string | null }[];
    };
    expect(history.items.filter((i) => i.purpose === "payments").map((i) => i.withdrawn_at === null)).toEqual([
      true,
      false,
    ]);
    expect((await ask(alice, threadId, bob)).status).toBe(201);
  });

  it("refuse payments until the current terms are agreed to, and only the current version is accepted", async () => {
    const res = await h.request("POST", "/v1/dev/sessions", { body: { handle: `fresh_${n++}` } });
    const { token } = (await res.json()) as { token: string };
    const bob = await person("bob", null);
    const thread = await h.request("POST", "/v1/threads", { token, body: { kind: "direct", member_ids: [bob.id] } });
    const threadId = ((await thread.json()) as { id: string }).id;
    const refused = await h.request("POST", `/v1/threads/${threadId}/requests`, {
      token,
      body: { amount_minor: 500, currency: "USD", payer_ids: [bob.id] },
    });
    expect(await expectProblem(refused, 403, "CONSENT_REQUIRED")).toMatchObject({ purpose: "terms", version: "1" });
    const old = await h.request("POST", "/v1/me/consents", { token, body: { purpose: "terms", version: "0.9" } });
    expect(await expectProblem(old, 422, "TERMS_VERSION_UNKNOWN")).toMatchObject({ current_version: "1" });
    expect(
      (await h.request("POST", "/v1/me/consents", { token, body: { purpose: "terms", version: "1" } })).status,
    ).toBe(201);
    expect(
      await expectProblem(
        await h.request("POST", `/v1/threads/${threadId}/requests`, {
          token,
          body: { amount_minor: 500, currency: "USD", payer_ids: [bob.id] },
        }),
        403,
        "CONSENT_REQUIRED",
      ),
    ).toMatchObject({ purpose: "payments" });
  });
});

describe("bad input on the settings and consent routes", () => {
  it("answers problem+json and changes nothing", async () => {
    const alice = await person("alice", null);
    const before = await footprint(h.db);
    const cases: [string, string, unknown, number, string][] = [
      ["PUT", "/v1/me/privacy", { requests_from: "friends", threads_from: "everyone" }, 422, "VALIDATION_FAILED"],
      ["PUT", "/v1/me/privacy", { requests_from: "nobody" }, 422, "VALIDATION_FAILED"],
      ["PUT", "/v1/me/privacy", { requests_from: "nobody", threads_from: "nobody", x: 1 }, 422, "VALIDATION_FAILED"],
      ["PUT", "/v1/me/privacy", "[1]", 422, "VALIDATION_FAILED"],
      ["PUT", "/v1/me/privacy", "{", 400, "MALFORMED_JSON"],
      ["POST", "/v1/me/consents", { purpose: "marketing" }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/me/consents", { purpose: "terms" }, 422, "TERMS_VERSION_UNKNOWN"],
      ["POST", "/v1/me/consents", { purpose: "terms", version: "1\u0000" }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/me/consents", { purpose: "payments", version: "1" }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/me/consents", {}, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/me/consents/marketing/withdraw", undefined, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/me/consents/%00/withdraw", undefined, 422, "VALIDATION_FAILED"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await h.request(method, path, { token: alice.token, body });
      await expectProblem(res, status, code);
    }
    expect(await footprint(h.db)).toEqual(before);
  });
});

describe("private by default", () => {
  it("shows nothing about a payment to anyone outside its thread, on every read route", async () => {
    const [alice, bob, stranger] = [await person("alice"), await person("bob", null), await person("stranger")];
    const threadId = await directThread(h, alice, bob);
    const memo = `private-memo-${n++}`;
    const created = await sendOk(h, alice, threadId, bob, 1234, memo);
    expect((await confirmWithPin(h, alice, created)).status).toBe(200);
    const request = await ask(bob, threadId, alice);
    const requestId = ((await request.json()) as { id: string }).id;
    const ids: Record<string, string> = { thr: threadId, pay: created.payment.id, req: requestId };
    const secrets = [threadId, created.payment.id, requestId, memo];

    const doc = (await (await h.request("GET", "/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: { in: string; name: string; schema: { pattern?: string } }[] }>
      >;
    };
    const reads = Object.entries(doc.paths).filter(([path, ops]) => path.startsWith("/v1/") && ops.get);
    let checked = 0;
    for (const [path, ops] of reads) {
      if (path === "/v1/events") continue; // a stream: covered by the events tests (only members' events)
      const param = ops.get?.parameters?.find((p) => p.in === "path" && p.name === "id");
      if (param) {
        const prefix = /\^(\w+)_/.exec(param.schema.pattern ?? "")?.[1] ?? "";
        const id = ids[prefix];
        if (!id) continue;
        const res = await h.request("GET", path.replace("{id}", id), { token: stranger.token });
        expect(res.status, `${path} for a stranger`).toBe(404);
        checked++;
      } else if (!path.includes("{")) {
        const res = await h.request("GET", path, { token: stranger.token });
        const text = await res.text();
        for (const secret of secrets) expect(text, `${path} for a stranger`).not.toContain(secret);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
