import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { createBankEmulator } from "../src/bank-emulator/emulator";
import { emulatorCredentials } from "../src/bank-emulator/partner";
import { signBankPayload } from "../src/features/banks/signature";
import { BANK_SECRET } from "./bank-helpers";
import { createTestClock } from "./test-clock";

const REDIRECT = "http://localhost:8787/";
const credentials = emulatorCredentials(BANK_SECRET);
const basic = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString("base64")}`;

function emulator() {
  const clock = createTestClock();
  return { clock, ...createBankEmulator({ clock, ...credentials }) };
}

type Bank = ReturnType<typeof emulator>;

/** The approval screen's form posted as a persona would; returns the code and the verifier it needs. */
async function authorize(bank: Bank, scopes: string[]) {
  const verifier = oauth.generateRandomCodeVerifier();
  const form = new URLSearchParams({
    client_id: credentials.clientId,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: scopes.join(" "),
    state: "s1",
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    persona: "alex",
    decision: "approve",
  });
  const res = await bank.app.request("/oauth/authorize", { method: "POST", body: form });
  expect(res.status).toBe(302);
  const code = new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
  return { code, verifier };
}

const token = (bank: Bank, form: Record<string, string>) =>
  bank.app.request("/oauth/token", {
    method: "POST",
    headers: { Authorization: basic },
    body: new URLSearchParams({ redirect_uri: REDIRECT, ...form }),
  });

async function tokensFor(bank: Bank, scopes: string[]) {
  const { code, verifier } = await authorize(bank, scopes);
  const res = await token(bank, { grant_type: "authorization_code", code, code_verifier: verifier });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string; consent_id: string; scope: string };
}

const fdx = (bank: Bank, path: string, accessToken: string) =>
  bank.app.request(path, { headers: { Authorization: `Bearer ${accessToken}` } });

describe("the bank emulator", () => {
  it("requires PKCE, and refuses a wrong verifier and a reused code (withdrawing what the code granted)", async () => {
    const bank = emulator();
    const page = await bank.app.request(
      `/oauth/authorize?client_id=${credentials.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=balances&state=s`,
    );
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("PKCE is required");

    const first = await authorize(bank, ["balances"]);
    const wrong = await token(bank, {
      grant_type: "authorization_code",
      code: first.code,
      code_verifier: oauth.generateRandomCodeVerifier(),
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });

    const granted = await token(bank, {
      grant_type: "authorization_code",
      code: first.code,
      code_verifier: first.verifier,
    });
    expect(granted.status).toBe(200);
    const tokens = (await granted.json()) as { access_token: string; consent_id: string };
    const reused = await token(bank, {
      grant_type: "authorization_code",
      code: first.code,
      code_verifier: first.verifier,
    });
    expect(await reused.json()).toMatchObject({ error: "invalid_grant" });
    expect(bank.control.consents().find((c) => c.consentId === tokens.consent_id)?.status).toBe("revoked");
    expect((await fdx(bank, "/fdx/v6/accounts", tokens.access_token)).status).toBe(401);
  });

  it("serves FDX reads only within the granted scopes (403 outside them)", async () => {
    const bank = emulator();
    const tokens = await tokensFor(bank, ["transaction_alerts"]);
    expect(tokens.scope).toBe("transaction_alerts");
    const accounts = await fdx(bank, "/fdx/v6/accounts", tokens.access_token);
    expect(accounts.status).toBe(200);
    const list = (await accounts.json()) as { accounts: { accountId: string; accountNumberDisplay: string }[] };
    expect(list.accounts.map((a) => a.accountNumberDisplay)).toEqual(["...4821", "...9931"]);
    const balance = await fdx(bank, "/fdx/v6/accounts/acc_alex_chk", tokens.access_token);
    expect(balance.status).toBe(403);
    const transactions = await fdx(bank, "/fdx/v6/accounts/acc_alex_chk/transactions", tokens.access_token);
    expect(transactions.status).toBe(200);
    const posted = (await transactions.json()) as { transactions: { postedTimestamp: string }[] };
    // Seeded relative to the injected clock.
    expect(posted.transactions[0]?.postedTimestamp).toBe(
      new Date(bank.clock.now().getTime() - 86_400_000).toISOString(),
    );
    expect((await fdx(bank, "/fdx/v6/accounts/acc_sam_chk/transactions", tokens.access_token)).status).toBe(404);
  });

  it("checks the signature of the service's calls, and ends tokens when revoked", async () => {
    const bank = emulator();
    const tokens = await tokensFor(bank, ["fraud_alerts"]);
    const body = JSON.stringify({ message_id: "m1", text: "hello" });
    const unsigned = await bank.app.request("/fdx/v6/partner/messages", {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.access_token}`, "Content-Type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const signed = await bank.app.request("/fdx/v6/partner/messages", {
      method: "POST",
      headers: {
        Authorization: `Bearer ${tokens.access_token}`,
        "Content-Type": "application/json",
        "Bank-Signature": await signBankPayload(body, BANK_SECRET, bank.clock.now()),
      },
      body,
    });
    expect(signed.status).toBe(202);
    const revoked = await bank.app.request("/oauth/revoke", {
      method: "POST",
      headers: { Authorization: basic },
      body: new URLSearchParams({ token: tokens.refresh_token }),
    });
    expect(revoked.status).toBe(200);
    expect(bank.control.tokenCount(tokens.consent_id)).toBe(0);
    expect((await fdx(bank, "/fdx/v6/accounts", tokens.access_token)).status).toBe(401);
  });

  it("has the bank's own pages for the demo: a purchase, a suspicious one, revoking access", async () => {
    const bank = emulator();
    const tokens = await tokensFor(bank, ["transaction_alerts", "fraud_alerts"]);
    const home = await bank.app.request("/");
    expect(await home.text()).toContain("Revoke chat-pay's access");
    const form = (fields: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields) });
    const bought = await bank.app.request(
      "/app/purchases",
      form({ persona: "alex", merchant: "Pier Cafe", amount: "4.50" }),
    );
    expect(bought.status).toBe(303);
    expect(bank.control.account("acc_alex_chk")?.balanceMinor).toBe(124_016 - 450);
    const refused = await bank.app.request("/app/purchases", form({ persona: "nobody", merchant: "X", amount: "1" }));
    expect(decodeURIComponent(refused.headers.get("location") ?? "")).toContain("Choose a customer");
    expect(bank.control.account("acc_alex_chk")?.balanceMinor).toBe(124_016 - 450);
    // The same over JSON, checked the same way.
    const json = (body: unknown) => ({
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    for (const bad of [
      { persona: "alex", merchant: "Kiosk", amount_minor: 0 },
      { persona: "alex", merchant: "  ", amount_minor: 300 },
      { persona: "alex", merchant: "Kiosk", amount_minor: 1.5 },
      { persona: "nobody", merchant: "Kiosk", amount_minor: 300 },
    ]) {
      expect((await bank.app.request("/control/purchases", json(bad))).status, JSON.stringify(bad)).toBe(400);
    }
    const viaControl = await bank.app.request(
      "/control/purchases",
      json({ persona: "alex", merchant: "Kiosk", amount_minor: 300 }),
    );
    expect(viaControl.status).toBe(201);
    expect(bank.control.account("acc_alex_chk")?.balanceMinor).toBe(124_016 - 450 - 300);
    const flagged = await bank.app.request(
      "/app/fraud-alerts",
      form({ persona: "alex", merchant: "Odd Shop", amount: "99" }),
    );
    expect(decodeURIComponent(flagged.headers.get("location") ?? "")).toContain("alerts sent");
    const revoked = await bank.app.request(`/app/consents/${tokens.consent_id}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(303);
    expect(bank.control.tokenCount(tokens.consent_id)).toBe(0);
  });
});
