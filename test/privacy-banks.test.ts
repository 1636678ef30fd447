import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../src/features/ledger/verify-ledger";
import { runSweep } from "../src/sweep";
import { type BankHarness, consentOf, createBankHarness, delivered, linkBank, rowsHolding } from "./bank-helpers";
import { type Person, PIN, sender } from "./payment-helpers";

/** Bank links are consents too: listed with the others, exported, and ended when the account closes. */

let h: BankHarness;
let alice: Person;

beforeAll(async () => {
  h = await createBankHarness();
  alice = await sender(h, "alice_bank", null);
});
afterAll(() => h.close());

describe("bank links and privacy", () => {
  it("lists a granted link among the consents, exports it with its access log, and ends it on closing", async () => {
    const link = await linkBank(h, alice, { scopes: ["transaction_alerts"] });
    h.bank.control.purchase({ persona: "alex", merchant: "Export Bakery", amountMinor: 640 });
    await delivered(h);
    const consents = (await (await h.request("GET", "/v1/me/consents", { token: alice.token })).json()) as {
      bank_links: { link_id: string; scopes: string[]; ended_at: string | null }[];
    };
    expect(consents.bank_links).toEqual([
      expect.objectContaining({ link_id: link.id, scopes: ["transaction_alerts"], ended_at: null }),
    ]);

    const started = (await (await h.request("POST", "/v1/me/exports", { token: alice.token })).json()) as {
      export_id: string;
      confirmation: { challenge_id: string };
    };
    const archive = (await (
      await h.request("POST", `/v1/me/exports/${started.export_id}/download`, {
        token: alice.token,
        body: { challenge_id: started.confirmation.challenge_id, method: "pin", response: { pin: PIN } },
      })
    ).json()) as {
      tables: Record<string, { rows: Record<string, unknown>[]; rows_about_you?: Record<string, unknown>[] }>;
    };
    expect(archive.tables.bank_links?.rows.map((r) => r.id)).toEqual([link.id]);
    // What the bank sent them is theirs too, while it is kept.
    expect(archive.tables.messages?.rows_about_you?.map((r) => r.body)).toContain("Receipt: 6.40 USD at Export Bakery");
    expect(archive.tables.bank_access_log?.rows.length ?? 0).toBeGreaterThan(0);

    const closed = await h.request("POST", "/v1/me/closure", {
      token: alice.token,
      body: { confirm: "close my account" },
    });
    expect(closed.status, await closed.clone().text()).toBe(200);
    expect(consentOf(h, "alex")?.status).toBe("revoked");
    expect(await rowsHolding(h.databaseUrl, [alice.id])).toEqual([]);

    // The consent record is kept, pseudonymised, for the retention period; then the sweep purges it.
    const [closedAccount] = await h.db.selectFrom("closed_accounts").select("former_id").execute();
    const formerId = closedAccount?.former_id ?? "";
    expect(await h.db.selectFrom("bank_links").select("user_id").where("id", "=", link.id).execute()).toEqual([
      { user_id: formerId },
    ]);
    h.clock.advance((h.config.privacy.retentionYears * 366 + 1) * 86_400_000);
    expect((await runSweep(h.deps))?.closedAccounts).toMatchObject({ purged: 1 });
    expect(await rowsHolding(h.databaseUrl, [formerId, link.id])).toEqual([]);
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true });
  });
});
