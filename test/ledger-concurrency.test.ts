import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalance } from "../src/features/ledger/balances";
import { createLedger } from "../src/features/ledger/ledger";
import type { NewTransfer, TransferResult } from "../src/features/ledger/ledger.types";
import { verifyLedger } from "../src/features/ledger/verify-ledger";
import { newId } from "../src/platform/ids";
import { createLedgerHarness, type LedgerHarness } from "./ledger-harness";

const CLIENTS = 16;
const TRANSFERS = 5_000;
const ACCOUNTS = 20;
const OPENING_BALANCE = 5_000n;
const RESUBMIT_SHARE = 0.1;
const CLIENT_ATTEMPTS_MAX = 30;
const APPLICATION_NAME = "ledger-chaos";

let h: LedgerHarness;

beforeAll(async () => {
  h = await createLedgerHarness({ poolMax: CLIENTS + 4, applicationName: APPLICATION_NAME });
});
afterAll(() => h.close());

describe("concurrent posting with connections killed mid-transaction", () => {
  it("loses nothing, duplicates nothing, overdraws nothing", async () => {
    const wallets: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const wallet = await h.wallet();
      await h.fund(wallet, OPENING_BALANCE);
      wallets.push(wallet);
    }
    const batched = createLedger(h, { windowMs: 1, maxTransfers: 64, maxInFlight: 4 });
    const random = seeded(42);
    const transfers: NewTransfer[] = Array.from({ length: TRANSFERS }, () => {
      const from = Math.floor(random() * ACCOUNTS);
      const to = (from + 1 + Math.floor(random() * (ACCOUNTS - 1))) % ACCOUNTS;
      return {
        id: newId("ltx"),
        type: "posted",
        debitAccountId: wallets[from] as string,
        creditAccountId: wallets[to] as string,
        amountMinor: BigInt(1 + Math.floor(random() * 800)),
        currency: "USD",
      };
    });

    // Kill a busy backend of ours every few milliseconds while the clients run.
    const killer = new pg.Client({ connectionString: h.databaseUrl });
    await killer.connect();
    let running = true;
    let kills = 0;
    const chaos = (async () => {
      while (running) {
        const { rowCount } = await killer.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name = $1 and state in ('active', 'idle in transaction')
           order by random() limit 1`,
          [APPLICATION_NAME],
        );
        kills += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    })();

    const outcomes = new Map<string, TransferResult>();
    let resubmissions = 0;
    let next = 0;
    const client = async (n: number) => {
      const ledger = n % 2 === 0 ? batched : h.ledger;
      while (next < transfers.length) {
        const transfer = transfers[next++] as NewTransfer;
        const result = await untilAnswered(() => ledger.createTransfers([transfer]));
        outcomes.set(transfer.id, result);
        if (result.result === "created" && random() < RESUBMIT_SHARE) {
          resubmissions++;
          expect(await untilAnswered(() => ledger.createTransfers([transfer]))).toEqual({
            id: transfer.id,
            result: "exists",
          });
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    running = false;
    await chaos;
    await killer.end();

    expect(kills).toBeGreaterThan(0);
    expect(resubmissions).toBeGreaterThan(0);
    const acknowledged = transfers.filter((t) => {
      const r = outcomes.get(t.id);
      return r?.result === "created" || r?.result === "exists";
    });
    const refused = transfers.filter((t) => outcomes.get(t.id)?.result === "failed");
    expect(acknowledged.length + refused.length).toBe(TRANSFERS);
    for (const t of refused) expect(outcomes.get(t.id)).toMatchObject({ code: "INSUFFICIENT_FUNDS" });

    // Each acknowledged transfer exists exactly once; no refused one exists at all.
    const stored = await h.db
      .selectFrom("ledger_transfers")
      .select("id")
      .where(
        "id",
        "in",
        transfers.map((t) => t.id),
      )
      .execute();
    expect(new Set(stored.map((r) => r.id))).toEqual(new Set(acknowledged.map((t) => t.id)));
    expect(stored).toHaveLength(acknowledged.length);

    // Every wallet holds its opening balance plus exactly what the acknowledged transfers moved.
    const expected = new Map(wallets.map((w) => [w, OPENING_BALANCE]));
    for (const t of acknowledged) {
      expected.set(t.debitAccountId, (expected.get(t.debitAccountId) as bigint) - t.amountMinor);
      expected.set(t.creditAccountId, (expected.get(t.creditAccountId) as bigint) + t.amountMinor);
    }
    for (const wallet of wallets) {
      const balance = await getBalance(h.db, wallet);
      expect(balance.available).toBe(expected.get(wallet));
      expect(balance.available >= 0n).toBe(true);
    }
    const report = await verifyLedger(h.db);
    expect(report).toEqual({ ok: true, drift: [], unbalanced: [] });
  }, 180_000);
});

/** A client that keeps retrying the same transfer id until the ledger answers. */
async function untilAnswered(call: () => Promise<TransferResult[]>): Promise<TransferResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [result] = await call();
      if (!result) throw new Error("no result");
      return result;
    } catch (err) {
      if (attempt >= CLIENT_ATTEMPTS_MAX) throw err;
    }
  }
}

/** A small deterministic generator, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
