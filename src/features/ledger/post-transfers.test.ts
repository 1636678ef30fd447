import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedgerHarness, expectCreated, type LedgerHarness } from "../../../test/ledger-harness";
import { newId } from "../../platform/ids";
import { getAccountHistory, getBalance } from "./balances";
import { expirePendingTransfers } from "./expire-pending-transfers";
import type { TransferInput } from "./ledger.types";
import { verifyLedger } from "./verify-ledger";

let h: LedgerHarness;

beforeAll(async () => {
  h = await createLedgerHarness();
});
afterAll(() => h.close());

const posted = (from: string, to: string, amount: bigint, extra: Partial<TransferInput> = {}): TransferInput =>
  ({
    id: newId("ltx"),
    type: "posted",
    debitAccountId: from,
    creditAccountId: to,
    amountMinor: amount,
    currency: "USD",
    ...extra,
  }) as TransferInput;

async function funded(amount: bigint): Promise<string> {
  const wallet = await h.wallet();
  await h.fund(wallet, amount);
  return wallet;
}

describe("posting", () => {
  it("moves money between accounts and keeps the books balanced", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const [result] = await h.ledger.createTransfers([
      posted(alice, bob, 250n, { reference: "pay_1", metadata: { memo: "pizza" } }),
    ]);
    expectCreated(result);
    expect(await getBalance(h.db, alice)).toEqual({ currency: "USD", posted: 750n, pending: 0n, available: 750n });
    expect(await getBalance(h.db, bob)).toEqual({ currency: "USD", posted: 250n, pending: 0n, available: 250n });
    expect((await verifyLedger(h.db)).ok).toBe(true);
  });

  it("refuses an overdraft and leaves every balance as it was", async () => {
    const [alice, bob] = [await funded(100n), await h.wallet()];
    const [result] = await h.ledger.createTransfers([posted(alice, bob, 101n)]);
    expect(result).toMatchObject({ result: "failed", code: "INSUFFICIENT_FUNDS" });
    expect(await h.available(alice)).toBe(100n);
    expect(await h.available(bob)).toBe(0n);
  });

  it("validates amounts, currencies and accounts with a code naming the problem", async () => {
    const [alice, bob, yen] = [await funded(1_000n), await h.wallet(), await h.wallet("JPY")];
    const results = await h.ledger.createTransfers([
      posted(alice, bob, 0n),
      posted(alice, bob, -5n),
      posted(alice, bob, 10n ** 14n),
      posted(alice, alice, 5n),
      posted(alice, bob, 5n, { currency: "XXX" }),
      posted(alice, yen, 5n),
      posted(alice, "acc_missing", 5n),
      posted(alice, bob, 5n, { id: "" }),
      posted(alice, bob, 5n, { metadata: { blob: "x".repeat(3000) } }),
      posted(alice, bob, 5n, { expiresAt: new Date("2030-01-01") }),
    ]);
    expect(results.map((r) => (r.result === "failed" ? `${r.code}:${r.field}` : r.result))).toEqual([
      "AMOUNT_MUST_BE_POSITIVE:amount",
      "AMOUNT_MUST_BE_POSITIVE:amount",
      "AMOUNT_EXCEEDS_MAXIMUM:amount",
      "ACCOUNTS_MUST_BE_DIFFERENT:credit_account_id",
      "CURRENCY_NOT_SUPPORTED:currency",
      "CURRENCY_MISMATCH:credit_account_id",
      "ACCOUNT_NOT_FOUND:credit_account_id",
      "INVALID_ID:id",
      "METADATA_TOO_LARGE:metadata",
      "EXPIRY_ONLY_FOR_PENDING:expires_at",
    ]);
    expect(await h.available(alice)).toBe(1_000n);
  });

  it("supports currencies with 0 and 3 decimals, each with its own maximum", async () => {
    const yen = await h.wallet("JPY");
    await h.fund(yen, 10n ** 11n, "JPY");
    const dinar = await h.wallet("KWD");
    await h.fund(dinar, 1_234n, "KWD");
    const [tooMuch] = await h.ledger.createTransfers([
      { ...posted(await h.funding("JPY"), yen, 10n ** 11n + 1n), currency: "JPY" } as TransferInput,
    ]);
    expect(tooMuch).toMatchObject({ result: "failed", code: "AMOUNT_EXCEEDS_MAXIMUM" });
    expect(await h.available(dinar)).toBe(1_234n);
  });
});

describe("idempotency by transfer id", () => {
  it("answers exists for an identical resubmission and moves nothing twice", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const transfer = posted(alice, bob, 300n, { metadata: { a: 1, b: 2 } });
    expectCreated((await h.ledger.createTransfers([transfer]))[0]);
    const again = await h.ledger.createTransfers([{ ...transfer, metadata: { b: 2, a: 1 } } as TransferInput]);
    expect(again).toEqual([{ id: transfer.id, result: "exists" }]);
    expect(await h.available(alice)).toBe(700n);
  });

  it("names the field when a resubmission differs", async () => {
    const [alice, bob, carol] = [await funded(1_000n), await h.wallet(), await h.wallet()];
    const transfer = posted(alice, bob, 300n, { reference: "pay_x" });
    await h.ledger.createTransfers([transfer]);
    const variants: [Partial<TransferInput>, string][] = [
      [{ amountMinor: 301n }, "amount"],
      [{ creditAccountId: carol }, "credit_account_id"],
      [{ reference: "pay_y" }, "reference"],
      [{ metadata: { note: "changed" } }, "metadata"],
      [{ type: "pending" }, "type"],
    ];
    for (const [change, field] of variants) {
      const [result] = await h.ledger.createTransfers([{ ...transfer, ...change } as TransferInput]);
      expect(result).toEqual({ id: transfer.id, result: "failed", code: "EXISTS_WITH_DIFFERENT_FIELD", field });
    }
    expect(await h.available(alice)).toBe(700n);
  });

  it("treats a repeated id within one call like a resubmission", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const transfer = posted(alice, bob, 100n);
    const results = await h.ledger.createTransfers([
      transfer,
      transfer,
      { ...transfer, amountMinor: 5n } as TransferInput,
    ]);
    expect(results.map((r) => r.result)).toEqual(["created", "exists", "failed"]);
    expect(await h.available(bob)).toBe(100n);
  });
});

describe("pending transfers (holds)", () => {
  it("holds funds, then posts part and releases the rest", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const hold = { ...posted(alice, bob, 400n), type: "pending" } as TransferInput;
    expectCreated((await h.ledger.createTransfers([hold]))[0]);
    expect(await getBalance(h.db, alice)).toMatchObject({ posted: 1_000n, pending: -400n, available: 600n });
    expect(await getBalance(h.db, bob)).toMatchObject({ posted: 0n, pending: 400n, available: 0n });

    const post = { id: newId("ltx"), type: "post_pending", pendingId: hold.id, amountMinor: 250n } as const;
    expectCreated((await h.ledger.createTransfers([post]))[0]);
    expect(await getBalance(h.db, alice)).toMatchObject({ posted: 750n, pending: 0n, available: 750n });
    expect(await getBalance(h.db, bob)).toMatchObject({ posted: 250n, pending: 0n, available: 250n });

    const [second] = await h.ledger.createTransfers([{ id: newId("ltx"), type: "void_pending", pendingId: hold.id }]);
    expect(second).toMatchObject({ result: "failed", code: "PENDING_TRANSFER_ALREADY_RESOLVED" });
    expect((await h.ledger.createTransfers([post]))[0]).toEqual({ id: post.id, result: "exists" });
    expect((await verifyLedger(h.db)).ok).toBe(true);
  });

  it("voids a hold, releasing all of it, at most once", async () => {
    const [alice, bob] = [await funded(500n), await h.wallet()];
    const hold = { ...posted(alice, bob, 500n), type: "pending" } as TransferInput;
    await h.ledger.createTransfers([hold]);
    const [spend] = await h.ledger.createTransfers([posted(alice, bob, 1n)]);
    expect(spend).toMatchObject({ result: "failed", code: "INSUFFICIENT_FUNDS" });
    const voids = await Promise.all(
      [1, 2, 3].map(() => h.ledger.createTransfers([{ id: newId("ltx"), type: "void_pending", pendingId: hold.id }])),
    );
    expect(voids.flat().filter((r) => r.result === "created")).toHaveLength(1);
    expect(await h.available(alice)).toBe(500n);
  });

  it("refuses to post more than the hold, or a hold that does not exist", async () => {
    const [alice, bob] = [await funded(500n), await h.wallet()];
    const hold = { ...posted(alice, bob, 100n), type: "pending" } as TransferInput;
    await h.ledger.createTransfers([hold]);
    const results = await h.ledger.createTransfers([
      { id: newId("ltx"), type: "post_pending", pendingId: hold.id, amountMinor: 101n },
      { id: newId("ltx"), type: "post_pending", pendingId: "ltx_nope" },
      { id: newId("ltx"), type: "post_pending", pendingId: posted(alice, bob, 1n).id },
    ]);
    expect(results.map((r) => r.result === "failed" && r.code)).toEqual([
      "AMOUNT_EXCEEDS_PENDING",
      "PENDING_TRANSFER_NOT_FOUND",
      "PENDING_TRANSFER_NOT_FOUND",
    ]);
  });

  it("expires holds on the sweep, driven by the clock, from several sweepers at once", async () => {
    const [alice, bob] = [await funded(900n), await h.wallet()];
    const expiresAt = new Date(h.clock.now().getTime() + 60_000);
    const holds = [1n, 2n, 3n].map(
      (n) => ({ ...posted(alice, bob, n * 100n), type: "pending", expiresAt }) as TransferInput,
    );
    await h.ledger.createTransfers(holds);
    expect(await h.available(alice)).toBe(300n);

    expect(await expirePendingTransfers(h)).toBe(0);
    h.clock.advance(60_000);
    const [late] = await h.ledger.createTransfers([
      { id: newId("ltx"), type: "post_pending", pendingId: holds[0]?.id as string },
    ]);
    expect(late).toMatchObject({ result: "failed", code: "PENDING_TRANSFER_EXPIRED" });

    const sweeps = await Promise.all([expirePendingTransfers(h), expirePendingTransfers(h), expirePendingTransfers(h)]);
    expect(sweeps.reduce((n, s) => n + s, 0)).toBe(3);
    expect(await h.available(alice)).toBe(900n);
    const states = await h.db
      .selectFrom("ledger_transfers")
      .select("state")
      .where(
        "id",
        "in",
        holds.map((t) => t.id),
      )
      .execute();
    expect(states.map((s) => s.state)).toEqual(["expired", "expired", "expired"]);
    const resolutions = await h.db
      .selectFrom("ledger_transfers")
      .select("kind")
      .where(
        "pending_id",
        "in",
        holds.map((t) => t.id),
      )
      .execute();
    expect(resolutions).toHaveLength(3);
    expect((await verifyLedger(h.db)).ok).toBe(true);
  });
});

describe("linked chains", () => {
  it("succeed together", async () => {
    const [alice, bob, carol] = [await funded(500n), await h.wallet(), await h.wallet()];
    const results = await h.ledger.createTransfers([
      posted(alice, bob, 200n, { linked: true }),
      posted(bob, carol, 200n),
    ]);
    expect(results.map((r) => r.result)).toEqual(["created", "created"]);
    expect(await h.available(carol)).toBe(200n);
  });

  it("fail together, naming the transfer that failed, without touching the transfers around them", async () => {
    const [alice, bob, carol] = [await funded(500n), await h.wallet(), await h.wallet()];
    const results = await h.ledger.createTransfers([
      posted(alice, carol, 10n),
      posted(alice, bob, 200n, { linked: true }),
      posted(bob, carol, 300n),
      posted(alice, carol, 20n),
    ]);
    expect(results.map((r) => (r.result === "failed" ? r.code : r.result))).toEqual([
      "created",
      "LINKED_TRANSFER_FAILED",
      "INSUFFICIENT_FUNDS",
      "created",
    ]);
    expect(await h.available(alice)).toBe(470n);
    expect(await h.available(bob)).toBe(0n);
    expect(await h.available(carol)).toBe(30n);
  });

  it("refuse a chain left open at the end of a call", async () => {
    const [alice, bob] = [await funded(500n), await h.wallet()];
    const results = await h.ledger.createTransfers([
      posted(alice, bob, 1n, { linked: true }),
      posted(alice, bob, 2n, { linked: true }),
    ]);
    expect(results.map((r) => r.result === "failed" && r.code)).toEqual([
      "LINKED_TRANSFER_FAILED",
      "LINKED_CHAIN_OPEN",
    ]);
    expect(await h.available(bob)).toBe(0n);
  });
});

describe("queries", () => {
  it("lists an account's history newest first with the running balance after each transfer", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const hold = { ...posted(alice, bob, 50n), type: "pending" } as TransferInput;
    await h.ledger.createTransfers([posted(alice, bob, 100n), hold, posted(bob, alice, 30n)]);
    await h.ledger.createTransfers([{ id: newId("ltx"), type: "post_pending", pendingId: hold.id }]);

    const first = await getAccountHistory(h.db, { accountId: alice, beforeSeq: undefined, limit: 3 });
    expect(first.items.map((e) => [e.kind, e.direction, e.amount, e.balance_after.available])).toEqual([
      ["post_pending", "debit", 50n, 880n],
      ["posted", "credit", 30n, 880n],
      ["pending", "debit", 50n, 850n],
    ]);
    expect(first.next_cursor).not.toBeNull();
    const rest = await getAccountHistory(h.db, {
      accountId: alice,
      beforeSeq: first.items.at(-1)?.seq,
      limit: 3,
    });
    expect(rest.items.map((e) => [e.kind, e.direction, e.balance_after.posted])).toEqual([
      ["posted", "debit", 900n],
      ["posted", "credit", 1_000n],
    ]);
    expect(rest.next_cursor).toBeNull();
  });
});

describe("database guarantees", () => {
  it("refuses updates and deletes of transfers, balances history and accounts", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const transfer = posted(alice, bob, 10n);
    await h.ledger.createTransfers([transfer]);
    const attempts = [
      sql`update ledger_transfers set amount = 1 where id = ${transfer.id}`,
      sql`delete from ledger_transfers where id = ${transfer.id}`,
      sql`update ledger_balances set credits_posted = 0 where account_id = ${bob}`,
      sql`delete from ledger_balances where account_id = ${bob}`,
      sql`update ledger_accounts set currency = 'EUR' where id = ${bob}`,
      sql`delete from ledger_accounts where id = ${bob}`,
      sql`truncate ledger_transfers cascade`,
    ];
    for (const attempt of attempts)
      await expect(attempt.execute(h.db)).rejects.toThrow(/append-only|immutable|refused/);
    expect(await h.available(bob)).toBe(10n);
  });

  it("lets a pending transfer change state only once, and nothing else about it", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const hold = { ...posted(alice, bob, 10n), type: "pending" } as TransferInput;
    await h.ledger.createTransfers([hold]);
    await expect(
      sql`update ledger_transfers set state = 'voided', resolved_at = now(), amount = 5 where id = ${hold.id}`.execute(
        h.db,
      ),
    ).rejects.toThrow(/immutable/);
    await h.ledger.createTransfers([{ id: newId("ltx"), type: "void_pending", pendingId: hold.id }]);
    await expect(
      sql`update ledger_transfers set state = 'posted', resolved_at = now() where id = ${hold.id}`.execute(h.db),
    ).rejects.toThrow(/immutable/);
  });

  it("refuses non-positive amounts, same-account transfers and overdrafts even from raw SQL", async () => {
    const [alice, bob] = [await funded(100n), await h.wallet()];
    const insert = (amount: number, credit: string) =>
      sql`insert into ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, created_at)
          values (${newId("ltx")}, 'posted', ${alice}, ${credit}, ${amount}, 'USD', now())`.execute(h.db);
    await expect(insert(0, bob)).rejects.toThrow(/check constraint/);
    await expect(insert(5, alice)).rejects.toThrow(/check constraint/);
    await expect(
      sql`update ledger_accounts set debits_posted = debits_posted + 101 where id = ${alice}`.execute(h.db),
    ).rejects.toThrow(/ledger_accounts_debits_within_credits/);
  });
});

describe("double spend", () => {
  it("lets exactly 10 of 50 concurrent transfers of 100 through from a wallet holding 1,000", async () => {
    const [alice, bob] = [await funded(1_000n), await h.wallet()];
    const results = await Promise.all(
      Array.from({ length: 50 }, () => h.ledger.createTransfers([posted(alice, bob, 100n)])),
    );
    const outcomes = results.flat();
    expect(outcomes.filter((r) => r.result === "created")).toHaveLength(10);
    expect(outcomes.filter((r) => r.result === "failed" && r.code === "INSUFFICIENT_FUNDS")).toHaveLength(40);
    expect(await h.available(alice)).toBe(0n);
    expect(await h.available(bob)).toBe(1_000n);
  });
});
