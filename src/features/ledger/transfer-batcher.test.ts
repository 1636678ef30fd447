import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedgerHarness, type LedgerHarness } from "../../../test/ledger-harness";
import { newId } from "../../platform/ids";
import { verifyLedger } from "./verify-ledger";

let h: LedgerHarness;

beforeAll(async () => {
  h = await createLedgerHarness({ batching: { windowMs: 5, maxTransfers: 64, maxInFlight: 2 } });
});
afterAll(() => h.close());

const pay = (from: string, to: string, amount: bigint) => ({
  id: newId("ltx"),
  type: "posted" as const,
  debitAccountId: from,
  creditAccountId: to,
  amountMinor: amount,
  currency: "USD",
});

describe("batched posting", () => {
  it("gives each concurrent caller its own results; one's insufficient funds fails nobody else", async () => {
    const rich = await h.wallet();
    await h.fund(rich, 10_000n);
    const poor = await h.wallet();
    const sink = await h.wallet();
    const calls = await Promise.all([
      h.ledger.createTransfers([pay(rich, sink, 100n), pay(rich, sink, 200n)]),
      h.ledger.createTransfers([pay(poor, sink, 1n)]),
      h.ledger.createTransfers([pay(rich, sink, 300n)]),
    ]);
    expect(calls.map((results) => results.map((r) => (r.result === "failed" ? r.code : r.result)))).toEqual([
      ["created", "created"],
      ["INSUFFICIENT_FUNDS"],
      ["created"],
    ]);
    expect(await h.available(sink)).toBe(600n);
  });

  it("posts many callers in few transactions", async () => {
    const from = await h.wallet();
    await h.fund(from, 1_000_000n);
    const to = await h.wallet();
    const transfers = Array.from({ length: 200 }, () => pay(from, to, 1n));
    const results = await Promise.all(transfers.map((t) => h.ledger.createTransfers([t])));
    expect(results.flat().every((r) => r.result === "created")).toBe(true);
    expect(await h.available(to)).toBe(200n);
    // Each row remembers the transaction that inserted it.
    const { rows } = await sql<{ n: string }>`
      select count(distinct xmin::text) as n from ledger_transfers where id in (${sql.join(transfers.map((t) => t.id))})`.execute(
      h.db,
    );
    expect(Number(rows[0]?.n)).toBeLessThanOrEqual(200 / 64 + 4);
  });

  it("lets exactly 10 of 50 concurrent transfers of 100 through from a wallet holding 1,000", async () => {
    const from = await h.wallet();
    await h.fund(from, 1_000n);
    const to = await h.wallet();
    const results = (
      await Promise.all(Array.from({ length: 50 }, () => h.ledger.createTransfers([pay(from, to, 100n)])))
    ).flat();
    expect(results.filter((r) => r.result === "created")).toHaveLength(10);
    expect(await h.available(from)).toBe(0n);
    expect((await verifyLedger(h.db)).ok).toBe(true);
  });
});
