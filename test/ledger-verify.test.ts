import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/platform/ids";
import { createLedgerHarness, type LedgerHarness } from "./ledger-harness";

const run = promisify(execFile);
let h: LedgerHarness;
let dataDir: string;

beforeAll(async () => {
  h = await createLedgerHarness();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-verify-"));
});
afterAll(async () => {
  await h.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm run ledger:verify` against this test's database. */
async function verify(): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(path.resolve("node_modules/.bin/tsx"), [path.resolve("src/entry/ledger-verify.ts")], {
      env: { PATH: process.env.PATH, DATABASE_URL: h.databaseUrl, DATA_DIR: dataDir },
    });
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe("npm run ledger:verify", () => {
  it("passes on a consistent ledger and names the drifting account otherwise", async () => {
    const [alice, bob] = [await h.wallet(), await h.wallet()];
    await h.fund(alice, 500n);
    await h.ledger.createTransfers([
      {
        id: newId("ltx"),
        type: "pending",
        debitAccountId: alice,
        creditAccountId: bob,
        amountMinor: 200n,
        currency: "USD",
      },
    ]);
    const ok = await verify();
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("ledger OK");

    // Counters are the one thing an UPDATE may touch; corrupt one behind the ledger's back.
    await sql`update ledger_accounts set credits_posted = credits_posted + 7 where id = ${bob}`.execute(h.db);
    const drift = await verify();
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain(`DRIFT account ${bob}`);
    expect(drift.stdout).toMatch(/UNBALANCED USD: posted sums to 7/);
  });
});
