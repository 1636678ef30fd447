import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { runSweep } from "../src/sweep";
import {
  ALL_SCOPES,
  type BankHarness,
  consentOf,
  createBankHarness,
  delivered,
  idempotencyKey,
  type LinkDto,
  linkBank,
  messagesOf,
  rowsHolding,
} from "./bank-helpers";
import { requestThrough } from "./harness";
import { type Person, PIN, sender } from "./payment-helpers";
import { problemOf } from "./security-helpers";
import { listen, openSse, type SseClient } from "./sse-client";

let h: BankHarness;
let server: Awaited<ReturnType<typeof listen>>;
let n = 0;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  h = await createBankHarness();
  server = await listen(h.app.fetch);
});
afterAll(async () => {
  await server.close();
  await h.close();
});

async function person(): Promise<Person> {
  return sender(h, `banker_${n++}`, null);
}

/** Waits for the next live event of a type, skipping others. */
async function nextOfType(stream: SseClient, type: string) {
  for (;;) {
    const event = await stream.next();
    if (event.event === type) return event;
  }
}

async function stepUp(p: Person, linkId: string, pin = PIN): Promise<Response> {
  const begun = await h.request("POST", `/v1/bank-links/${linkId}/balance/challenge`, {
    token: p.token,
    headers: idempotencyKey(),
  });
  expect(begun.status, await begun.clone().text()).toBe(201);
  const { request_id, challenge } = (await begun.json()) as { request_id: string; challenge: { challenge_id: string } };
  return h.request("POST", `/v1/bank-links/${linkId}/balance/step-up`, {
    token: p.token,
    headers: idempotencyKey(),
    body: { request_id, challenge_id: challenge.challenge_id, method: "pin", response: { pin } },
  });
}

const linkOf = async (p: Person, id: string) =>
  (await (await h.request("GET", `/v1/bank-links/${id}`, { token: p.token })).json()) as LinkDto;

describe("bank linking, the bank's thread and revocation (against the emulator over HTTP)", () => {
  it("links with consent, shows alerts and receipts live, relays Not me and the freeze, balance only after step-up, unlinks leaving nothing", async () => {
    const alex = await person();
    const stream = await openSse(`${server.url}/v1/events`, alex.token);

    const partners = await h.request("GET", "/v1/bank-partners", { token: alex.token });
    expect(((await partners.json()) as { items: { id: string }[] }).items.map((p) => p.id)).toEqual(["emubank"]);

    const link = await linkBank(h, alex);
    expect(link.scopes).toEqual([...ALL_SCOPES]);
    expect(link.disclosure).toContain("no analytics, no advertising, no profile");
    expect(link.disclosure).toContain("90 days");
    expect(new Date(link.expires_at ?? 0).getTime() - new Date(link.granted_at ?? 0).getTime()).toBe(90 * DAY_MS);
    const created = await nextOfType(stream, "thread.created");
    expect(created.data).toMatchObject({ id: link.thread_id, kind: "bank", title: "Emulated Bank" });
    const consent = consentOf(h, "alex");
    expect(consent?.status).toBe("active");
    expect((await nextOfType(stream, "message.created")).data.body).toContain("You linked Emulated Bank");

    // A receipt: merchant and amount, never the account number the bank's event carried.
    h.bank.control.purchase({ persona: "alex", merchant: "Sunrise Bakery 7731", amountMinor: 1_250 });
    await delivered(h);
    const receipt = await nextOfType(stream, "message.created");
    expect(receipt.data.body).toBe("Receipt: 12.50 USD at Sunrise Bakery 7731");
    expect(receipt.data.sender_id).toBe("bank/emubank");

    // A fraud alert arrives live, "Not me" reaches the bank, and the freeze comes back.
    const [fraud] = h.bank.control.fraudAlert({ persona: "alex", merchant: "Gadget Outlet 4410", amountMinor: 91_200 });
    await delivered(h);
    const alertMessage = await nextOfType(stream, "message.created");
    expect(alertMessage.data.body).toContain("Was this you? 912.00 USD at Gadget Outlet 4410");
    const alertEvent = await nextOfType(stream, "bank_alert.updated");
    const alertId = alertEvent.data.id as string;
    const answered = await h.request("POST", `/v1/bank-links/${link.id}/alert-answers`, {
      token: alex.token,
      headers: idempotencyKey(),
      body: { alert_id: alertId, answer: "not_me" },
    });
    expect(answered.status, await answered.clone().text()).toBe(200);
    expect(h.bank.control.received).toContainEqual({
      kind: "fraud_answer",
      consentId: consent?.consentId,
      body: { answer: "not_me" },
    });
    expect(h.bank.control.alert(fraud?.alertId ?? "")?.status).toBe("disputed");
    expect(h.bank.control.account("acc_alex_chk")?.cardFrozen).toBe(true);
    await delivered(h);
    const outcome = await nextOfType(stream, "message.created");
    expect(outcome.data.body).toContain("We froze your card");
    const alerts = await h.request("GET", `/v1/bank-links/${link.id}/alerts`, { token: alex.token });
    expect(((await alerts.json()) as { items: { status: string; answer: string }[] }).items).toEqual([
      expect.objectContaining({ id: alertId, status: "closed", answer: "not_me" }),
    ]);

    // The balance: refused before a step-up, shown after it, not stored anywhere.
    const early = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: alex.token });
    expect(early.status).toBe(403);
    expect((await problemOf(early)).code).toBe("BANK_STEP_UP_REQUIRED");
    const wrong = await stepUp(alex, link.id, "111111");
    expect((await problemOf(wrong)).code).toBe("PIN_INCORRECT");
    expect((await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: alex.token })).status).toBe(403);
    const stepped = await stepUp(alex, link.id);
    expect(stepped.status, await stepped.clone().text()).toBe(200);
    const shown = await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: alex.token });
    expect(shown.status, await shown.clone().text()).toBe(200);
    expect(shown.headers.get("Cache-Control")).toBe("no-store");
    const balance = (await shown.json()) as { accounts: { name: string; balance_minor: number }[] };
    // 1,240.16 seeded, less the 12.50 purchase.
    expect(balance.accounts).toContainEqual(
      expect.objectContaining({ name: "Everyday Checking", balance_minor: 122_766 }),
    );
    expect(await rowsHolding(h.databaseUrl, ["122766", "1227.66", "8500", "850000"])).toEqual([]);
    // After the idle period a new step-up is needed.
    h.clock.advance(h.config.banks.stepUpIdleMs + 1);
    expect((await h.request("GET", `/v1/bank-links/${link.id}/balance`, { token: alex.token })).status).toBe(403);

    // Talking to the bank: relayed, and the scripted agent answers in the thread.
    const relayed = await h.request("POST", `/v1/bank-links/${link.id}/messages`, {
      token: alex.token,
      headers: idempotencyKey(),
      body: { body: "Please freeze my card ending 7731, it was stolen" },
    });
    expect(relayed.status, await relayed.clone().text()).toBe(202);
    expect(((await relayed.json()) as { status: string }).status).toBe("sent");
    await delivered(h);
    const thread = await messagesOf(h, alex, link.thread_id ?? "");
    expect(thread[0]?.body).toContain("Your card can be frozen");

    // Unlink: the bank is told (its tokens revoked), everything the link held is gone, the record stays.
    const tokens = [...h.bank.control.issuedTokens];
    expect(tokens.length).toBeGreaterThan(0);
    const unlinked = await h.request("DELETE", `/v1/bank-links/${link.id}`, { token: alex.token });
    expect(unlinked.status).toBe(200);
    expect(await unlinked.json()).toMatchObject({ status: "revoked", ended_by: "person" });
    expect(consentOf(h, "alex")?.status).toBe("revoked");
    expect(h.bank.control.tokenCount(consent?.consentId ?? "")).toBe(0);
    const after = await messagesOf(h, alex, link.thread_id ?? "");
    expect(after.map((m) => m.body)).toEqual([
      expect.stringContaining("This link with Emulated Bank ended: you unlinked it"),
    ]);
    expect(
      await rowsHolding(h.databaseUrl, [
        ...tokens,
        "Sunrise Bakery 7731",
        "Gadget Outlet 4410",
        "Please freeze my card",
        "Your card can be frozen",
        "We froze your card",
        fraud?.alertId ?? "",
        "003141594821",
      ]),
    ).toEqual([]);
    const record = await linkOf(alex, link.id);
    expect(record).toMatchObject({ status: "revoked", ended_by: "person", scopes: [...ALL_SCOPES] });
    expect(record.disclosure).toBe(link.disclosure);
    const log = await h.request("GET", "/v1/me/bank-access-log", { token: alex.token });
    const actions = ((await log.json()) as { items: { action: string }[] }).items.map((i) => i.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "linked",
        "receipt_delivered",
        "alert_delivered",
        "alert_answered",
        "balance_fetched",
        "content_purged",
        "link_ended",
      ]),
    );
    stream.close();
  });

  it("ends the link when the bank revokes it, deleting everything at once", async () => {
    const sam = await person();
    const link = await linkBank(h, sam, { persona: "sam" });
    h.bank.control.purchase({ persona: "sam", merchant: "Harbor Books 5512", amountMinor: 2_999 });
    await delivered(h);
    expect((await messagesOf(h, sam, link.thread_id ?? "")).map((m) => m.body)).toContain(
      "Receipt: 29.99 USD at Harbor Books 5512",
    );
    const tokens = [...h.bank.control.issuedTokens];
    h.bank.control.endConsent(consentOf(h, "sam")?.consentId ?? "");
    await delivered(h);
    expect(await linkOf(sam, link.id)).toMatchObject({ status: "revoked", ended_by: "bank" });
    const after = await messagesOf(h, sam, link.thread_id ?? "");
    expect(after.map((m) => m.body)).toEqual([expect.stringContaining("it was revoked at the bank")]);
    expect(await rowsHolding(h.databaseUrl, [...tokens, "Harbor Books 5512"])).toEqual([]);
  });

  it("ends the link at expiry by the clock, and deletes delivered content after the retention window", async () => {
    let kim = await person();
    const again = async () => {
      kim = { ...(await h.signIn(kim.handle)), handle: kim.handle };
    };
    const link = await linkBank(h, kim, { persona: "sam" });
    const consentId = consentOf(h, "sam")?.consentId;
    h.bank.control.purchase({ persona: "sam", merchant: "Old Receipt Diner 8812", amountMinor: 1_100 });
    const oldAlert = h.bank.control
      .fraudAlert({ persona: "sam", merchant: "Old Alert Arcade 6402", amountMinor: 5_500 })
      .find((a) => h.bank.control.alert(a.alertId)?.consentId === consentId);
    const asked = await h.request("POST", `/v1/bank-links/${link.id}/messages`, {
      token: kim.token,
      headers: idempotencyKey(),
      body: { body: "Old question about my statement" },
    });
    expect(asked.status, await asked.clone().text()).toBe(202);
    await delivered(h);
    const old = (await messagesOf(h, kim, link.thread_id ?? "")).map((m) => m.body).join("\n");
    expect(old).toContain("Old Alert Arcade 6402");
    expect(old).toContain("Old question about my statement");
    expect(await h.db.selectFrom("bank_alerts").select("id").where("link_id", "=", link.id).execute()).toHaveLength(1);
    h.clock.advance(h.config.banks.retentionMs + 1);
    h.bank.control.purchase({ persona: "sam", merchant: "Fresh Receipt Deli 9913", amountMinor: 900 });
    await delivered(h);
    await runSweep(h.deps);
    await again();
    const kept = (await messagesOf(h, kim, link.thread_id ?? "")).map((m) => m.body);
    expect(kept).toEqual(["Receipt: 9.00 USD at Fresh Receipt Deli 9913"]);
    expect(
      await rowsHolding(h.databaseUrl, [
        "Old Receipt Diner 8812",
        "Old Alert Arcade 6402",
        "Old question about my statement",
        oldAlert?.alertId ?? "",
      ]),
    ).toEqual([]);

    const tokens = [...h.bank.control.issuedTokens];
    h.clock.advance(90 * DAY_MS);
    await runSweep(h.deps);
    await again();
    expect(await linkOf(kim, link.id)).toMatchObject({ status: "expired", ended_by: "expiry" });
    expect(await rowsHolding(h.databaseUrl, [...tokens, "Fresh Receipt Deli 9913"])).toEqual([]);
  });

  it("ends every link when the person closes their account: the bank is told, nothing of the link remains", async () => {
    const lee = await person();
    const link = await linkBank(h, lee, { persona: "sam" });
    const consentId = consentOf(h, "sam")?.consentId ?? "";
    h.bank.control.purchase({ persona: "sam", merchant: "Closing Time Cafe 4242", amountMinor: 800 });
    await delivered(h);
    const tokens = [...h.bank.control.issuedTokens];
    const closed = await h.request("POST", "/v1/me/closure", {
      token: lee.token,
      body: { confirm: "close my account" },
    });
    expect(closed.status, await closed.clone().text()).toBe(200);
    expect(h.bank.control.consents().find((c) => c.consentId === consentId)?.status).toBe("revoked");
    const row = await h.db.selectFrom("bank_links").select(["status", "ended_by"]).where("id", "=", link.id).execute();
    expect(row).toEqual([{ status: "revoked", ended_by: "person" }]);
    expect(await rowsHolding(h.databaseUrl, [...tokens, "Closing Time Cafe 4242", consentId, lee.id])).toEqual([]);
  });

  it("ends a link whose bank was since removed from the configuration, by unlinking or by closing the account", async () => {
    const [ada, bea] = [await person(), await person()];
    const unlinkMe = await linkBank(h, ada, { persona: "sam" });
    const closeMe = await linkBank(h, bea, { persona: "sam" });
    const withoutBank = buildApp({ ...h.deps, config: { ...h.config, banks: { ...h.config.banks, partners: [] } } });
    const request = requestThrough(async (path, init) => withoutBank.request(path, init));
    const unlinked = await request("DELETE", `/v1/bank-links/${unlinkMe.id}`, { token: ada.token });
    expect(unlinked.status, await unlinked.clone().text()).toBe(200);
    expect(await unlinked.json()).toMatchObject({ status: "revoked", ended_by: "person", bank_name: "emubank" });
    const closed = await request("POST", "/v1/me/closure", { token: bea.token, body: { confirm: "close my account" } });
    expect(closed.status, await closed.clone().text()).toBe(200);
    const secrets = await h.db
      .selectFrom("bank_link_secrets")
      .select("link_id")
      .where("link_id", "in", [unlinkMe.id, closeMe.id])
      .execute();
    expect(secrets).toEqual([]);
  });

  it("asks for renewal before the consent expires, and a renewal keeps the link past the first expiry", async () => {
    let ana = await person();
    const again = async () => {
      ana = { ...(await h.signIn(ana.handle)), handle: ana.handle };
    };
    const link = await linkBank(h, ana, { persona: "sam" });
    const expiresAt = new Date(link.expires_at ?? 0).getTime();
    h.clock.set(new Date(expiresAt - h.config.banks.reconfirmNoticeMs + 1_000));
    await runSweep(h.deps);
    await runSweep(h.deps);
    await again();
    const reminders = (await messagesOf(h, ana, link.thread_id ?? "")).filter((m) => m.body.includes("Renew it"));
    expect(reminders).toHaveLength(1);
    const renewed = await h.request("POST", `/v1/bank-links/${link.id}/reconfirm`, {
      token: ana.token,
      headers: idempotencyKey(),
    });
    expect(renewed.status, await renewed.clone().text()).toBe(200);
    const record = (await renewed.json()) as LinkDto & { reconfirmed_at: string };
    expect(new Date(record.expires_at ?? 0).getTime()).toBe(h.clock.now().getTime() + 90 * DAY_MS);
    expect(record.reconfirmed_at).toBe(h.clock.now().toISOString());
    h.clock.set(new Date(expiresAt + 1_000));
    await runSweep(h.deps);
    await again();
    expect(await linkOf(ana, link.id)).toMatchObject({ status: "active" });
  });
});
