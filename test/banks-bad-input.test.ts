import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBankPayload } from "../src/features/banks/signature";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { runSweep } from "../src/sweep";
import {
  approveAtBank,
  BANK_SECRET,
  type BankHarness,
  callback,
  consentOf,
  createBankHarness,
  delivered,
  idempotencyKey,
  type LinkDto,
  linkBank,
  messagesOf,
  rowsHolding,
  startLinking,
  WEBHOOK_PATH,
} from "./bank-helpers";
import { footprint } from "./footprint";
import { type Person, PIN, sender } from "./payment-helpers";
import { problemOf } from "./security-helpers";

let h: BankHarness;
let n = 0;
const TIMEOUT_MS = 300;

beforeAll(async () => {
  h = await createBankHarness({ BANK_TIMEOUT_MS: String(TIMEOUT_MS) });
});
afterAll(() => h.close());

const person = (): Promise<Person> => sender(h, `bad_${n++}`, null);

async function linkCount(p: Person): Promise<number> {
  const res = await h.request("GET", "/v1/bank-links", { token: p.token });
  return ((await res.json()) as { items: LinkDto[] }).items.length;
}

/** Posts a webhook as the bank would, signed (or forged) at a given time. */
async function post(event: Record<string, unknown>, options: { secret?: string; at?: Date } = {}) {
  const payload = JSON.stringify(event);
  const signature = await signBankPayload(payload, options.secret ?? BANK_SECRET, options.at ?? h.clock.now());
  return h.app.request(WEBHOOK_PATH, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Bank-Signature": signature },
    body: payload,
  });
}

const receiptEvent = (consentId: string, merchant: string) => ({
  id: `bevt_${merchant.replace(/\W/g, "")}_${n++}`,
  type: "transaction.created",
  created: Math.floor(h.clock.now().getTime() / 1000),
  consent_id: consentId,
  data: { transaction_id: "btx_1", merchant, amount_minor: 500, currency: "USD", account_number: "003141594821" },
});

describe("bank webhooks that must be refused", () => {
  it("refuses forged and stale webhooks, and acts once on a replayed one", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    const consentId = consentOf(h, "alex")?.consentId ?? "";
    const before = (await messagesOf(h, p, link.thread_id ?? "")).length;

    const forged = await post(receiptEvent(consentId, "Forged Shop"), { secret: "x".repeat(40) });
    expect(forged.status).toBe(400);
    expect((await problemOf(forged)).code).toBe("WEBHOOK_SIGNATURE_INVALID");

    const unsigned = await h.app.request(WEBHOOK_PATH, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(receiptEvent(consentId, "Unsigned Shop")),
    });
    expect((await problemOf(unsigned)).code).toBe("WEBHOOK_SIGNATURE_INVALID");

    const tolerance = h.config.banks.webhookToleranceMs;
    const stale = await post(receiptEvent(consentId, "Stale Shop"), {
      at: new Date(h.clock.now().getTime() - tolerance - 1_000),
    });
    expect(stale.status).toBe(400);
    expect((await problemOf(stale)).code).toBe("BANK_WEBHOOK_STALE");

    // The same signed delivery twice: the second is acknowledged and does nothing.
    const event = receiptEvent(consentId, "Replayed Shop");
    const first = await post(event);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const again = await post(event);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    // Replayed later with its old signature: stale.
    const payload = JSON.stringify(event);
    const oldSignature = await signBankPayload(payload, BANK_SECRET, h.clock.now());
    h.clock.advance(tolerance + 1_000);
    const replay = await h.app.request(WEBHOOK_PATH, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Bank-Signature": oldSignature },
      body: payload,
    });
    expect((await problemOf(replay)).code).toBe("BANK_WEBHOOK_STALE");

    // A bank that puts an account number in a merchant name: the number is never shown or kept.
    const leaky = await post(receiptEvent(consentId, "Transfer to 0031 4159 4821 Savings"));
    expect(leaky.status).toBe(200);
    const bodies = (await messagesOf(h, p, link.thread_id ?? "")).map((m) => m.body);
    expect(bodies).toContain("Receipt: 5.00 USD at Transfer to ••• Savings");
    expect(await rowsHolding(h.databaseUrl, ["0031 4159 4821"])).toEqual([]);
    expect(bodies.length).toBe(before + 2);
    expect(bodies.filter((b) => b.includes("Replayed Shop"))).toHaveLength(1);
    expect(bodies.join(" ")).not.toMatch(/Forged|Unsigned|Stale/);
  });

  it("refuses events for a revoked or expired link, and for a scope never granted", async () => {
    const p = await person();
    const link = await linkBank(h, p, { scopes: ["balances"], persona: "sam" });
    const consentId = consentOf(h, "sam")?.consentId ?? "";

    // The emulator sends even what the person did not grant (a bank that ignores scopes).
    const [outOfScope] = h.bank.control.purchase(
      { persona: "sam", merchant: "Never Granted Mart", amountMinor: 700 },
      { ignoreScopes: true },
    );
    expect(outOfScope).toBeDefined();
    const refused = await post(receiptEvent(consentId, "Never Granted Mart"));
    expect(refused.status).toBe(403);
    expect((await problemOf(refused)).code).toBe("BANK_SCOPE_NOT_GRANTED");
    const alert = await post({ ...receiptEvent(consentId, "Alert"), type: "fraud.alert" });
    expect((await problemOf(alert)).code).toBe("BANK_SCOPE_NOT_GRANTED");
    const alerts = await h.request("GET", `/v1/bank-links/${link.id}/alerts`, { token: p.token });
    expect(((await alerts.json()) as { items: unknown[] }).items).toEqual([]);
    const relay = await h.request("POST", `/v1/bank-links/${link.id}/alert-answers`, {
      token: p.token,
      headers: idempotencyKey(),
      body: { alert_id: "bka_8d2k1m0c7x4v9t3r6p5n2b1a0q", answer: "not_me" },
    });
    expect((await problemOf(relay)).code).toBe("BANK_SCOPE_NOT_GRANTED");
    await delivered(h);
    expect((await messagesOf(h, p, link.thread_id ?? "")).map((m) => m.body).join(" ")).not.toContain(
      "Never Granted Mart",
    );

    // The balance of a link that was not allowed to read it: refused before any challenge.
    const alertsOnly = await linkBank(h, p, { scopes: ["fraud_alerts"], persona: "alex" });
    const challenges = await h.db.selectFrom("security_challenges").select("id").where("user_id", "=", p.id).execute();
    for (const [method, path] of [
      ["POST", `/v1/bank-links/${alertsOnly.id}/balance/challenge`],
      ["GET", `/v1/bank-links/${alertsOnly.id}/balance`],
    ] as const) {
      const res = await h.request(method, path, { token: p.token, headers: method === "POST" ? idempotencyKey() : {} });
      expect(res.status, path).toBe(403);
      expect((await problemOf(res)).code).toBe("BANK_SCOPE_NOT_GRANTED");
    }
    expect(await h.db.selectFrom("security_challenges").select("id").where("user_id", "=", p.id).execute()).toEqual(
      challenges,
    );

    // The person unlinks; the bank's later events for that consent are refused.
    expect((await h.request("DELETE", `/v1/bank-links/${link.id}`, { token: p.token })).status).toBe(200);
    const late = await post({
      ...receiptEvent(consentId, "After Revoke"),
      type: "message.reply",
      data: { text: "hi" },
    });
    expect(late.status).toBe(409);
    expect((await problemOf(late)).code).toBe("BANK_LINK_NOT_ACTIVE");

    // Past its expiry (before the sweep has ended it), events are refused too.
    const q = await person();
    const expiring = await linkBank(h, q, { persona: "sam" });
    h.clock.advance(h.config.banks.consentMs + 1);
    const expired = await post(receiptEvent(consentOf(h, "sam")?.consentId ?? "", "After Expiry"));
    expect((await problemOf(expired)).code).toBe("BANK_LINK_NOT_ACTIVE");
    await runSweep(h.deps);
    const ended = await h.db
      .selectFrom("bank_links")
      .select(["status", "ended_by"])
      .where("id", "=", expiring.id)
      .execute();
    expect(ended).toEqual([{ status: "expired", ended_by: "expiry" }]);
    const later = await post(receiptEvent(consentOf(h, "sam")?.consentId ?? "", "After Sweep"));
    expect((await problemOf(later)).code).toBe("BANK_LINK_NOT_ACTIVE");
  });
});

describe("OAuth callbacks that must be refused", () => {
  it("refuses a wrong state, a reused code and a wrong PKCE verifier, leaving nothing half-linked", async () => {
    const p = await person();
    const started = await startLinking(h, p);
    const params = await approveAtBank(started.authorization_url);

    const wrongState = await callback(h, p, { state: "not-the-state", code: params.get("code") ?? "" });
    expect(wrongState.status).toBe(422);
    expect((await problemOf(wrongState)).code).toBe("BANK_OAUTH_STATE_INVALID");
    // Someone else cannot complete this person's link with its state.
    const other = await person();
    expect((await problemOf(await callback(h, other, params))).code).toBe("BANK_OAUTH_STATE_INVALID");
    expect(await linkCount(other)).toBe(0);

    // The real answer still works: nothing above consumed it.
    const linked = await callback(h, p, params);
    expect(linked.status, await linked.clone().text()).toBe(200);
    // The same answer again: its state is used up.
    expect((await problemOf(await callback(h, p, params))).code).toBe("BANK_OAUTH_STATE_INVALID");

    // The used code with a new link's state: the bank refuses it (and withdraws what it granted).
    const second = await startLinking(h, p);
    const secondState = new URL(second.authorization_url).searchParams.get("state") ?? "";
    const reused = await callback(h, p, { state: secondState, code: params.get("code") ?? "" });
    expect(reused.status).toBe(422);
    expect((await problemOf(reused)).code).toBe("BANK_AUTHORIZATION_FAILED");

    // A code issued for one link's PKCE challenge, presented with another link's verifier.
    const third = await startLinking(h, p);
    const fourth = await startLinking(h, p);
    const thirdParams = await approveAtBank(third.authorization_url);
    const fourthState = new URL(fourth.authorization_url).searchParams.get("state") ?? "";
    const mismatch = await callback(h, p, { state: fourthState, code: thirdParams.get("code") ?? "" });
    expect((await problemOf(mismatch)).code).toBe("BANK_AUTHORIZATION_FAILED");

    // Denied at the bank.
    const fifth = await startLinking(h, p);
    const denied = await callback(h, p, await approveAtBank(fifth.authorization_url, "alex", "deny"));
    expect((await problemOf(denied)).code).toBe("BANK_AUTHORIZATION_FAILED");

    // Only the one real link exists; the refused ones left no link, thread or secret.
    expect(await linkCount(p)).toBe(1);
    const threads = await h.request("GET", "/v1/threads", { token: p.token });
    expect(
      ((await threads.json()) as { items: { kind: string }[] }).items.filter((t) => t.kind === "bank"),
    ).toHaveLength(1);
    const secrets = await h.db.selectFrom("bank_link_secrets").select("link_id").execute();
    const links = await h.db.selectFrom("bank_links").select(["id", "status"]).where("user_id", "=", p.id).execute();
    const pending = links.filter((l) => l.status === "pending").map((l) => l.id);
    // Third's link still waits for its own answer (its code was never presented with its own verifier).
    expect(pending).toEqual([third.link.id]);
    expect(secrets.filter((s) => links.some((l) => l.id === s.link_id)).length).toBe(2);
  });

  it("answers a bank that is down or slow with a retryable 503 and no link, then links on retry", async () => {
    const p = await person();
    const started = await startLinking(h, p);
    const params = await approveAtBank(started.authorization_url);

    h.bank.control.failNext("institution_down");
    const down = await callback(h, p, params);
    expect(down.status).toBe(503);
    expect(down.headers.get("Retry-After")).toBe("30");
    expect((await problemOf(down)).code).toBe("BANK_UNAVAILABLE");
    expect(await linkCount(p)).toBe(0);

    h.bank.control.latency.ms = TIMEOUT_MS * 3;
    const slow = await callback(h, p, params);
    h.bank.control.latency.ms = 0;
    expect(slow.status).toBe(503);
    expect(slow.headers.get("Retry-After")).toBe("5");
    expect((await problemOf(slow)).code).toBe("BANK_UNAVAILABLE");
    expect(await linkCount(p)).toBe(0);

    // The slow bank may have used the code before we gave up; a fresh approval links.
    const retried = await callback(h, p, params);
    const linked =
      retried.status === 200
        ? retried
        : await callback(h, p, await approveAtBank((await startLinking(h, p)).authorization_url));
    expect(linked.status, await linked.clone().text()).toBe(200);
    expect(await linkCount(p)).toBe(1);
  });

  it("answers a rate-limited or down bank on reads with retryable problems, and ends the link when the bank says the consent expired", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    const begun = await h.request("POST", `/v1/bank-links/${link.id}/balance/challenge`, {
      token: p.token,
      headers: idempotencyKey(),
    });
    const { request_id, challenge } = (await begun.json()) as {
      request_id: string;
      challenge: { challenge_id: string };
    };
    const stepped = await h.request("POST", `/v1/bank-links/${link.id}/balance/step-up`, {
      token: p.token,
      headers: idempotencyKey(),
      body: { request_id, challenge_id: challenge.challenge_id, method: "pin", response: { pin: PIN } },
    });
    expect(stepped.status).toBe(200);

    h.bank.control.failNext("rate_limited");
    const limited = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: p.token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("1");
    expect((await problemOf(limited)).code).toBe("BANK_RATE_LIMITED");

    h.bank.control.failNext("institution_down");
    const down = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: p.token });
    expect((await problemOf(down)).code).toBe("BANK_UNAVAILABLE");

    // A bank that answers without a balance: an error to retry, never a balance of 0.
    const checking = h.bank.control.account("acc_alex_chk");
    expect(checking).toBeDefined();
    const seeded = checking?.balanceMinor ?? 0;
    if (checking) checking.balanceMinor = Number.NaN;
    const blank = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: p.token });
    if (checking) checking.balanceMinor = seeded;
    expect(blank.status).toBe(503);
    expect((await problemOf(blank)).code).toBe("BANK_UNAVAILABLE");
    const shown = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: p.token });
    expect(((await shown.json()) as { accounts: { balance_minor: number }[] }).accounts).toContainEqual(
      expect.objectContaining({ balance_minor: seeded }),
    );

    h.bank.control.failNext("consent_expired");
    const ended = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: p.token });
    expect(ended.status).toBe(409);
    expect((await problemOf(ended)).code).toBe("BANK_LINK_NOT_ACTIVE");
    const record = (await (await h.request("GET", `/v1/bank-links/${link.id}`, { token: p.token })).json()) as LinkDto;
    expect(record).toMatchObject({ status: "revoked", ended_by: "bank" });
    expect(await h.db.selectFrom("bank_link_secrets").where("link_id", "=", link.id).selectAll().execute()).toEqual([]);
  });
});

describe("malformed requests on the bank routes", () => {
  it("answer problem+json and write nothing", async () => {
    const p = await person();
    const link = await linkBank(h, p);
    const before = await footprint(h.db);
    const alertId = "bka_8d2k1m0c7x4v9t3r6p5n2b1a0q";
    const cases: [string, string, unknown, number, string][] = [
      ["POST", "/v1/bank-links", { partner_id: "nobank", scopes: ["balances"] }, 404, "BANK_PARTNER_NOT_FOUND"],
      ["POST", "/v1/bank-links", { partner_id: "emubank", scopes: [] }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/bank-links", { partner_id: "emubank", scopes: ["advertising"] }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/bank-links", { partner_id: "emubank", scopes: ["balances"], x: 1 }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/bank-links/callback", { state: "s", code: "c", error: "e" }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/bank-links/callback", { state: "s\u0000", code: "c" }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/bank-links/callback", { state: "s" }, 422, "VALIDATION_FAILED"],
      ["POST", `/v1/bank-links/${link.id}/messages`, { body: "" }, 422, "VALIDATION_FAILED"],
      ["POST", `/v1/bank-links/${link.id}/messages`, { body: "pay \u202emoc.evil" }, 422, "VALIDATION_FAILED"],
      [
        "POST",
        `/v1/bank-links/${link.id}/alert-answers`,
        { alert_id: alertId, answer: "maybe" },
        422,
        "VALIDATION_FAILED",
      ],
      [
        "POST",
        `/v1/bank-links/${link.id}/alert-answers`,
        { alert_id: alertId, answer: "not_me" },
        404,
        "BANK_ALERT_NOT_FOUND",
      ],
      ["POST", `/v1/bank-links/${link.id}/balance/step-up`, {}, 422, "VALIDATION_FAILED"],
      ["GET", "/v1/bank-links/bkl_%00", undefined, 422, "VALIDATION_FAILED"],
      ["DELETE", "/v1/bank-links/pay_8d2k1m0c7x4v9t3r6p5n2b1a0q", undefined, 422, "VALIDATION_FAILED"],
      ["GET", "/v1/me/bank-access-log?limit=0", undefined, 422, "VALIDATION_FAILED"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await h.request(method, path, {
        token: p.token,
        headers: method === "POST" ? idempotencyKey() : {},
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
      expect((await problemOf(res)).code, `${method} ${path}`).toBe(code);
    }
    // A signed webhook that is not an event the service knows.
    for (const event of [
      { id: "bevt_x", type: "account.opened", consent_id: "bcon_x", data: {} },
      { type: "fraud.alert" },
    ]) {
      const res = await post(event);
      expect(res.status, JSON.stringify(event)).toBe(422);
      expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
    }
    expect(await footprint(h.db)).toEqual(before);
  });
});

describe("someone else's link", () => {
  it("is 404 on every route", async () => {
    const owner = await person();
    const stranger = await person();
    const link = await linkBank(h, owner);
    const alertId = "bka_8d2k1m0c7x4v9t3r6p5n2b1a0q";
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/bank-links/${link.id}`],
      ["DELETE", `/v1/bank-links/${link.id}`],
      ["POST", `/v1/bank-links/${link.id}/reconfirm`],
      ["POST", `/v1/bank-links/${link.id}/balance/challenge`],
      [
        "POST",
        `/v1/bank-links/${link.id}/balance/step-up`,
        {
          request_id: "bbr_8d2k1m0c7x4v9t3r6p5n2b1a0q",
          challenge_id: "chl_8d2k1m0c7x4v9t3r6p5n2b1a0q",
          method: "pin",
          response: { pin: PIN },
        },
      ],
      ["GET", `/v1/bank-links/${link.id}/balance`],
      ["GET", `/v1/bank-links/${link.id}/alerts`],
      ["POST", `/v1/bank-links/${link.id}/alert-answers`, { alert_id: alertId, answer: "it_was_me" }],
      ["POST", `/v1/bank-links/${link.id}/messages`, { body: "hello" }],
    ];
    for (const [method, path, body] of routes) {
      const res = await h.request(method, path, {
        token: stranger.token,
        headers: method === "POST" ? idempotencyKey() : {},
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await problemOf(res)).code, `${method} ${path}`).toBe("BANK_LINK_NOT_FOUND");
    }
    expect(await linkCount(stranger)).toBe(0);
    // The owner's own writes in the bank's thread go through the link (relayed), never around it.
    const around = await h.request("POST", `/v1/threads/${link.thread_id}/messages`, {
      token: owner.token,
      headers: idempotencyKey(),
      body: { body: "not relayed" },
    });
    expect(around.status).toBe(409);
    expect((await problemOf(around)).code).toBe("THREAD_WRITES_THROUGH_LINK");
    const record = (await (
      await h.request("GET", `/v1/bank-links/${link.id}`, { token: owner.token })
    ).json()) as LinkDto;
    expect(record.status).toBe("active");
  });
});
