import { Writable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import type { BankPartnerConfig, Config } from "../src/config";
import { endLinkInTransaction } from "../src/features/banks/end-link";
import { openSecret } from "../src/features/banks/token-vault";
import { createLogger } from "../src/platform/logger";
import { runSweep } from "../src/sweep";
import {
  BANK_TOKEN_KEY,
  type BankHarness,
  consentOf,
  createBankHarness,
  delivered,
  idempotencyKey,
  linkBank,
  messagesOf,
  rowsHolding,
} from "./bank-helpers";
import { freePort } from "./free-port";
import { requestThrough } from "./harness";
import { type Person, PIN, sender } from "./payment-helpers";
import { newAuthenticator, problemOf, registerPasskey } from "./security-helpers";

let h: BankHarness;
let n = 0;

beforeAll(async () => {
  h = await createBankHarness();
});
afterAll(() => h.close());

const person = (): Promise<Person> => sender(h, `private_${n++}`, null);

const withKeys = (tokenKeys: string[]): Pick<Config, "banks"> => ({ banks: { ...h.config.banks, tokenKeys } });

/** Requests through another process of the service: the harness's, with other bank settings. */
function processWith(banks: Partial<Config["banks"]>) {
  const app = buildApp({ ...h.deps, config: { ...h.config, banks: { ...h.config.banks, ...banks } } });
  return requestThrough(async (path, init) => app.request(path, init));
}

/** The bank's partner configuration with some fields changed (a process configured differently). */
const partnersWith = (patch: Partial<BankPartnerConfig>) => ({
  partners: h.config.banks.partners.map((partner) => ({ ...partner, ...patch })),
});

async function secretRow(linkId: string) {
  return h.db.selectFrom("bank_link_secrets").selectAll().where("link_id", "=", linkId).executeTakeFirstOrThrow();
}

async function stepUp(request: ReturnType<typeof requestThrough>, p: Person, linkId: string) {
  const begun = await request("POST", `/v1/bank-links/${linkId}/balance/challenge`, {
    token: p.token,
    headers: idempotencyKey(),
  });
  const { request_id, challenge } = (await begun.json()) as { request_id: string; challenge: { challenge_id: string } };
  const stepped = await request("POST", `/v1/bank-links/${linkId}/balance/step-up`, {
    token: p.token,
    headers: idempotencyKey(),
    body: { request_id, challenge_id: challenge.challenge_id, method: "pin", response: { pin: PIN } },
  });
  expect(stepped.status, await stepped.clone().text()).toBe(200);
}

async function stepUpAndRead(request: ReturnType<typeof requestThrough>, p: Person, linkId: string) {
  await stepUp(request, p, linkId);
  const res = await request("GET", `/v1/bank-links/${linkId}/balance`, { token: p.token });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { accounts: { balance_minor: number; available_minor: number }[] };
}

describe("what the service keeps of a bank link", () => {
  it("keeps tokens only encrypted: unreadable without the key, rotatable to a new one", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    const issued = [...h.bank.control.issuedTokens];
    expect(await rowsHolding(h.databaseUrl, issued)).toEqual([]);

    const sealed = await secretRow(link.id);
    const opened = await openSecret(h.config, link.id, sealed);
    expect(issued).toContain(opened.access_token);
    expect(issued).toContain(opened.refresh_token);
    await expect(
      openSecret(withKeys(["another-key-that-is-long-enough-0123456789"]), link.id, sealed),
    ).rejects.toThrow();
    // Bound to its link: the same ciphertext does not open as another link's.
    await expect(openSecret(h.config, "bkl_8d2k1m0c7x4v9t3r6p5n2b1a0q", sealed)).rejects.toThrow();

    // Rotation: a new key first, the old one still listed; the next use re-seals with the new key.
    const newKey = "a-brand-new-bank-token-key-long-enough-0123456789";
    await stepUpAndRead(processWith({ tokenKeys: [newKey, BANK_TOKEN_KEY] }), p, link.id);
    const resealed = await secretRow(link.id);
    expect(resealed.key_id).not.toBe(sealed.key_id);
    await expect(openSecret(withKeys([BANK_TOKEN_KEY]), link.id, resealed)).rejects.toThrow();
    expect((await openSecret(withKeys([newKey]), link.id, resealed)).refresh_token).toBe(opened.refresh_token);
  });

  it("finishes a key rotation in the sweep, and still ends a link whose key was dropped too soon", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    const sealed = await secretRow(link.id);
    const opened = await openSecret(h.config, link.id, sealed);

    // The old key dropped before anything re-sealed this link: it can no longer be used, but unlinking still ends it.
    const q = await person();
    const stranded = await linkBank(h, q, { persona: "sam" });
    const newKey = "the-next-bank-token-key-long-enough-0123456789";
    const unlinked = await processWith({ tokenKeys: [newKey] })("DELETE", `/v1/bank-links/${stranded.id}`, {
      token: q.token,
    });
    expect(unlinked.status, await unlinked.clone().text()).toBe(200);
    expect(await unlinked.json()).toMatchObject({ status: "revoked", ended_by: "person" });
    expect(
      await h.db.selectFrom("bank_link_secrets").select("link_id").where("link_id", "=", stranded.id).execute(),
    ).toEqual([]);
    const log = await h.request("GET", "/v1/me/bank-access-log", { token: q.token });
    const ended = ((await log.json()) as { items: { action: string; detail: Record<string, unknown> }[] }).items.find(
      (e) => e.action === "link_ended",
    );
    expect(ended?.detail).toEqual({ by: "person", bank_told: false });

    // A new key first, the old one still listed: one sweep re-seals every secret with the new key.
    const rotated = { ...h.deps, config: { ...h.config, ...withKeys([newKey, BANK_TOKEN_KEY]) } };
    expect((await runSweep(rotated))?.banks?.resealed).toBeGreaterThan(0);
    const resealed = await secretRow(link.id);
    expect(resealed.key_id).not.toBe(sealed.key_id);
    expect(Buffer.from(resealed.iv).equals(Buffer.from(sealed.iv))).toBe(false);
    expect(await openSecret(withKeys([newKey]), link.id, resealed)).toEqual(opened);
    await expect(openSecret(withKeys([BANK_TOKEN_KEY]), link.id, resealed)).rejects.toThrow();
    const stale = await h.db
      .selectFrom("bank_link_secrets")
      .select("key_id")
      .where("key_id", "=", sealed.key_id)
      .execute();
    expect(stale).toEqual([]);
    expect((await runSweep(rotated))?.banks?.resealed).toBe(0);

    // And back (the harness's key first again), so the other tests' links open with it.
    const back = { ...h.deps, config: { ...h.config, ...withKeys([BANK_TOKEN_KEY, newKey]) } };
    await runSweep(back);
    expect(await openSecret(h.config, link.id, await secretRow(link.id))).toEqual(opened);
  });

  it("refreshes an expired access token through the refresh grant, sealing the new one", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    const before = await openSecret(h.config, link.id, await secretRow(link.id));
    h.clock.advance(2 * 3_600_000);
    const self = { ...(await h.signIn(p.handle)), handle: p.handle };
    await stepUpAndRead(
      requestThrough(async (path, init) => h.app.request(path, init)),
      self,
      link.id,
    );
    const after = await openSecret(h.config, link.id, await secretRow(link.id));
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).toBe(before.refresh_token);
    expect(h.bank.control.issuedTokens).toContain(after.access_token);
    expect(await rowsHolding(h.databaseUrl, [...h.bank.control.issuedTokens])).toEqual([]);
  });

  it("keeps no token of a link that ended while the bank was answering a refresh", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    h.clock.advance(2 * 3_600_000);
    const later = { ...(await h.signIn(p.handle)), handle: p.handle };
    const direct = requestThrough(async (path, init) => h.app.request(path, init));
    await stepUp(direct, later, link.id);

    // The bank holds the refresh; meanwhile the person unlinks through a process that cannot
    // reach the bank's revocation endpoint (the link ends anyway, the bank untold, so the
    // refresh then succeeds there).
    const unreachable = `http://127.0.0.1:${await freePort()}/oauth/revoke`;
    const cutOff = processWith(partnersWith({ revocation_endpoint: unreachable }));
    const latency = h.bank.control.latency;
    let reached = () => {};
    const bankReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    Object.defineProperty(latency, "ms", {
      configurable: true,
      get: () => {
        reached();
        return 1_000;
      },
    });
    const balance = direct("GET", `/v1/bank-links/${link.id}/balance`, { token: later.token });
    await bankReached;
    Object.defineProperty(latency, "ms", { configurable: true, writable: true, value: 0 });
    const unlinked = await cutOff("DELETE", `/v1/bank-links/${link.id}`, { token: later.token });
    expect(await unlinked.json()).toMatchObject({ status: "revoked", ended_by: "person" });

    const answered = await balance;
    expect(answered.status).toBe(409);
    expect((await problemOf(answered)).code).toBe("BANK_LINK_NOT_ACTIVE");
    expect(
      await h.db.selectFrom("bank_link_secrets").select("link_id").where("link_id", "=", link.id).execute(),
    ).toEqual([]);
    expect(await rowsHolding(h.databaseUrl, [...h.bank.control.issuedTokens])).toEqual([]);
  });

  it("writes nothing to a link that ended while a message to the bank was on its way", async () => {
    const p = await person();
    const link = await linkBank(h, p, { persona: "sam" });
    const text = "Late words for a link that is ending";
    const lockWaits = async () => {
      const { rows } = await sql<{ n: string }>`
        select count(*)::text as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(h.db);
      return Number(rows[0]?.n);
    };
    let relayed: Promise<Response> | undefined;
    // The link is read as active, then ends (here, holding its row) before the message is written.
    await h.db.transaction().execute(async (trx) => {
      await trx.selectFrom("bank_links").select("id").where("id", "=", link.id).forUpdate().execute();
      relayed = h.request("POST", `/v1/bank-links/${link.id}/messages`, {
        token: p.token,
        headers: idempotencyKey(),
        body: { body: text },
      });
      for (let i = 0; i < 500 && (await lockWaits()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await lockWaits()).toBeGreaterThan(0);
      await endLinkInTransaction(h.deps, trx, { linkId: link.id, by: "person", at: h.clock.now(), bankTold: null });
    });
    const answered = await relayed;
    expect(answered?.status).toBe(409);
    expect(answered && (await problemOf(answered)).code).toBe("BANK_LINK_NOT_ACTIVE");
    expect(await rowsHolding(h.databaseUrl, [text])).toEqual([]);
  });

  it("never writes a balance or a token to any table or to the log", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = buildApp({ ...h.deps, logger: createLogger("trace", sink) });
    const request = requestThrough(async (path, init) => logged.request(path, init));
    h.deliverTo(logged);
    const p = await person();
    const link = await linkBank({ ...h, request }, p, { persona: "sam" });
    const balance = await stepUpAndRead(request, p, link.id);
    const [checking] = balance.accounts;
    expect(checking?.balance_minor).toBe(h.bank.control.account("acc_sam_chk")?.balanceMinor);
    const minor = String(checking?.balance_minor);
    const major = ((checking?.balance_minor ?? 0) / 100).toFixed(2);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(minor);
    expect(lines.join("\n")).not.toContain(major);
    // Nor a token: the link's whole life so far went through the logged app.
    for (const token of h.bank.control.issuedTokens) expect(lines.join("\n")).not.toContain(token);
    expect(await rowsHolding(h.databaseUrl, [minor, major])).toEqual([]);
    const log = await request("GET", "/v1/me/bank-access-log", { token: p.token });
    const entries = ((await log.json()) as { items: { action: string; detail: Record<string, unknown> }[] }).items;
    expect(entries.map((e) => e.action)).toContain("balance_fetched");
    expect(JSON.stringify(entries)).not.toContain(minor);
    h.deliverTo(h.app);
  });
});

describe("the balance's step-up", () => {
  it("takes a passkey, and a challenge works only for its own link and request", async () => {
    const p = await person();
    const authenticator = newAuthenticator();
    await registerPasskey(h, p, authenticator);
    const link = await linkBank(h, p);
    const other = await linkBank(h, p, { persona: "sam" });
    const begin = async (linkId: string) => {
      const res = await h.request("POST", `/v1/bank-links/${linkId}/balance/challenge`, {
        token: p.token,
        headers: idempotencyKey(),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as {
        request_id: string;
        challenge: { challenge_id: string; methods: { method: string; prompt: Record<string, unknown> }[] };
      };
    };
    const answer = (linkId: string, body: Record<string, unknown>) =>
      h.request("POST", `/v1/bank-links/${linkId}/balance/step-up`, {
        token: p.token,
        headers: idempotencyKey(),
        body,
      });

    const first = await begin(link.id);
    expect(first.challenge.methods.map((m) => m.method)).toEqual(["webauthn", "pin"]);
    const pin = { challenge_id: first.challenge.challenge_id, method: "pin", response: { pin: PIN } };
    // Another link, or another request, cannot use it.
    const elsewhere = await answer(other.id, { request_id: first.request_id, ...pin });
    expect((await problemOf(elsewhere)).code).toBe("CONFIRMABLE_CHANGED");
    const second = await begin(link.id);
    const otherRequest = await answer(link.id, { request_id: second.request_id, ...pin });
    expect((await problemOf(otherRequest)).code).toBe("CHALLENGE_MISMATCH");
    expect((await h.request("GET", `/v1/bank-links/${other.id}/balance`, { token: p.token })).status).toBe(403);

    const options = first.challenge.methods.find((m) => m.method === "webauthn")?.prompt.options;
    const credential = await authenticator.assert(options as Parameters<typeof authenticator.assert>[0]);
    const stepped = await answer(link.id, {
      request_id: first.request_id,
      challenge_id: first.challenge.challenge_id,
      method: "webauthn",
      response: { credential },
    });
    expect(stepped.status, await stepped.clone().text()).toBe(200);
    expect((await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: p.token })).status).toBe(200);
    // The step-up opened this link only.
    expect((await h.request("GET", `/v1/bank-links/${other.id}/balance`, { token: p.token })).status).toBe(403);
  });
});

/** A person with a linked bank (persona sam) that has just flagged a purchase: the bank's alert and the service's. */
async function linkWithAlert(merchant: string, amountMinor: number) {
  const p = await person();
  const link = await linkBank(h, p, { persona: "sam" });
  const consentId = consentOf(h, "sam")?.consentId ?? "";
  const fraud = h.bank.control
    .fraudAlert({ persona: "sam", merchant, amountMinor })
    .find((a) => h.bank.control.alert(a.alertId)?.consentId === consentId);
  await delivered(h);
  const alerts = await h.request("GET", `/v1/bank-links/${link.id}/alerts`, { token: p.token });
  const [alert] = ((await alerts.json()) as { items: { id: string }[] }).items;
  return { p, link, consentId, fraud, alert };
}

describe("fraud answers and the bank's webhooks under faults", () => {
  it("retries a Not me the bank could not take, and the freeze still comes back", async () => {
    const { p, link, consentId, fraud, alert } = await linkWithAlert("Midnight Electronics 3321", 45_000);
    h.bank.control.failNext("institution_down");
    const answered = await h.request("POST", `/v1/bank-links/${link.id}/alert-answers`, {
      token: p.token,
      headers: idempotencyKey(),
      body: { alert_id: alert?.id ?? "", answer: "not_me" },
    });
    expect(answered.status).toBe(200);
    expect(h.bank.control.alert(fraud?.alertId ?? "")?.status).toBe("open");
    // The same answer again is a no-op; a different one is refused.
    const same = await h.request("POST", `/v1/bank-links/${link.id}/alert-answers`, {
      token: p.token,
      headers: idempotencyKey(),
      body: { alert_id: alert?.id ?? "", answer: "not_me" },
    });
    expect(same.status).toBe(200);
    const other = await h.request("POST", `/v1/bank-links/${link.id}/alert-answers`, {
      token: p.token,
      headers: idempotencyKey(),
      body: { alert_id: alert?.id ?? "", answer: "it_was_me" },
    });
    expect(other.status).toBe(409);

    h.clock.advance(11_000);
    await runSweep(h.deps);
    expect(h.bank.control.alert(fraud?.alertId ?? "")?.status).toBe("disputed");
    expect(h.bank.control.received.filter((r) => r.kind === "fraud_answer" && r.consentId === consentId)).toHaveLength(
      1,
    );
    await delivered(h);
    const bodies = (await messagesOf(h, p, link.thread_id ?? "")).map((m) => m.body);
    expect(bodies[0]).toContain("We froze your card");
  });

  it("keeps the link when the bank refuses a call for its signature (the answer is retried); only its consent codes end a link", async () => {
    const { p, link, fraud, alert } = await linkWithAlert("Signature Store 5150", 12_000);
    // A process whose key for signing calls to the bank is wrong: the bank answers 401 (bad signature).
    const missigned = processWith(partnersWith({ webhook_secret: "w".repeat(48) }));
    const answered = await missigned("POST", `/v1/bank-links/${link.id}/alert-answers`, {
      token: p.token,
      headers: idempotencyKey(),
      body: { alert_id: alert?.id ?? "", answer: "not_me" },
    });
    expect(answered.status, await answered.clone().text()).toBe(200);
    expect(h.bank.control.alert(fraud?.alertId ?? "")?.status).toBe("open");
    const still = await h.request("GET", `/v1/bank-links/${link.id}`, { token: p.token });
    expect(await still.json()).toMatchObject({ status: "active", ended_by: null });

    h.clock.advance(11_000);
    await runSweep(h.deps);
    expect(h.bank.control.alert(fraud?.alertId ?? "")?.status).toBe("disputed");
  });

  it("takes duplicated, delayed and reordered webhooks once each, an outcome before its alert after a retry", async () => {
    const p = await person();
    const link = await linkBank(h, p, { persona: "sam" });
    const consentId = consentOf(h, "sam")?.consentId ?? "";
    const mode = h.bank.control.webhooks.mode;
    mode.duplicate = true;
    mode.hold = true;
    mode.reorder = true;
    try {
      h.bank.control.purchase({ persona: "sam", merchant: "First Stop 1001", amountMinor: 100 });
      const fraud = h.bank.control
        .fraudAlert({ persona: "sam", merchant: "Second Stop 2002", amountMinor: 200 })
        .find((a) => h.bank.control.alert(a.alertId)?.consentId === consentId);
      h.bank.control.emit("fraud.outcome", consentId, { alert_id: fraud?.alertId, outcome: "alert_closed" });
      // Newest first: the outcome comes before its alert and is refused (the bank keeps retrying it).
      await h.bank.control.webhooks.flush();
      await h.bank.control.webhooks.flush();
    } finally {
      mode.duplicate = false;
      mode.hold = false;
      mode.reorder = false;
    }
    const bodies = (await messagesOf(h, p, link.thread_id ?? "")).map((m) => m.body);
    expect(bodies.filter((b) => b.includes("First Stop 1001"))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes("Second Stop 2002"))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes("This alert is closed"))).toHaveLength(1);
    const alerts = await h.request("GET", `/v1/bank-links/${link.id}/alerts`, { token: p.token });
    expect(((await alerts.json()) as { items: { status: string }[] }).items.map((a) => a.status)).toEqual(["closed"]);
  });
});
