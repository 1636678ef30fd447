import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedgerHarness, type LedgerHarness } from "../../../test/ledger-harness";
import { newId } from "../../platform/ids";
import { ensureAccount } from "./accounts";
import { getBalance } from "./balances";
import type { NewTransfer, Resolution, TransferInput, TransferResult } from "./ledger.types";
import { verifyLedger } from "./verify-ledger";

let h: LedgerHarness;

beforeAll(async () => {
  h = await createLedgerHarness();
});
afterAll(() => h.close());

const WALLETS = 4;
const FUNDING = WALLETS; // index of the account that may go negative

/** Operations over account and earlier-transfer indexes, resolved to ids per run. */
type Op =
  | { op: "posted" | "pending"; from: number; to: number; amount: bigint; linked: boolean }
  | { op: "post" | "void"; target: number; amount: bigint | undefined }
  | { op: "resubmit"; target: number; changeAmount: boolean };

const account = fc.integer({ min: 0, max: WALLETS });
// Exact balances (1,000 funded, halves of it) reach the overdraft boundary, not only either side of it.
const amount = fc.oneof(
  fc.bigInt({ min: 1n, max: 600n }),
  fc.constantFrom(0n, -1n),
  fc.constantFrom(1_000n, 500n, 250n),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("posted", "pending"), from: account, to: account, amount, linked: fc.boolean() }),
  fc.record({ op: fc.constantFrom("post", "void"), target: fc.nat(40), amount: fc.option(amount, { nil: undefined }) }),
  fc.record({ op: fc.constant("resubmit"), target: fc.nat(40), changeAmount: fc.boolean() }),
);
/** Operations grouped into calls of 1-4, as concurrent callers or one caller's batch would send them. */
const runArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 });

type ModelTransfer = { input: TransferInput; state?: "pending" | "posted" | "voided"; amount: bigint };

/** The ledger's rules, written as plainly as possible; balances are what each account may spend. */
class Model {
  balance: bigint[] = Array.from({ length: WALLETS + 1 }, () => 0n);
  transfers = new Map<string, ModelTransfer>();

  call(inputs: TransferInput[], ids: string[]): TransferResult[] {
    const results: TransferResult[] = [];
    for (let start = 0; start < inputs.length; ) {
      let end = start;
      while (end < inputs.length - 1 && inputs[end]?.linked) end++;
      const chain = inputs.slice(start, end + 1);
      const saved = {
        balance: [...this.balance],
        transfers: new Map([...this.transfers].map(([id, t]) => [id, { ...t }])),
      };
      const chainResults: TransferResult[] = [];
      let failedAt = -1;
      for (const [k, input] of chain.entries()) {
        const result = this.one(input, ids);
        chainResults.push(result);
        if (result.result === "failed") {
          failedAt = k;
          break;
        }
      }
      if (failedAt < 0 && chain.at(-1)?.linked) {
        failedAt = chain.length - 1;
        chainResults[failedAt] = { id: chain[failedAt]?.id as string, result: "failed", code: "LINKED_CHAIN_OPEN" };
      }
      if (failedAt >= 0) {
        this.balance = saved.balance;
        this.transfers = saved.transfers;
        results.push(
          ...chain.map(
            (t, k): TransferResult =>
              k === failedAt
                ? (chainResults[k] as TransferResult)
                : { id: t.id, result: "failed", code: "LINKED_TRANSFER_FAILED" },
          ),
        );
      } else {
        results.push(...chainResults);
      }
      start = end + 1;
    }
    return results;
  }

  private one(input: TransferInput, ids: string[]): TransferResult {
    const fail = (code: string) => ({ id: input.id, result: "failed", code }) as TransferResult;
    // Input that could never be valid is refused before the id is looked up.
    if (input.amountMinor !== undefined && input.amountMinor <= 0n) return fail("AMOUNT_MUST_BE_POSITIVE");
    if (!isResolution(input) && input.debitAccountId === input.creditAccountId) {
      return fail("ACCOUNTS_MUST_BE_DIFFERENT");
    }
    const prior = this.transfers.get(input.id);
    if (prior) {
      return sameTransfer(prior, input) ? { id: input.id, result: "exists" } : fail("EXISTS_WITH_DIFFERENT_FIELD");
    }
    if (!isResolution(input)) {
      const from = ids.indexOf(input.debitAccountId);
      const to = ids.indexOf(input.creditAccountId);
      if (from !== FUNDING && (this.balance[from] as bigint) < input.amountMinor) return fail("INSUFFICIENT_FUNDS");
      this.balance[from] = (this.balance[from] as bigint) - input.amountMinor;
      if (input.type === "posted") this.balance[to] = (this.balance[to] as bigint) + input.amountMinor;
      this.transfers.set(input.id, {
        input,
        amount: input.amountMinor,
        state: input.type === "pending" ? "pending" : undefined,
      });
      return { id: input.id, result: "created" };
    }
    const pending = this.transfers.get(input.pendingId);
    if (pending?.input.type !== "pending") return fail("PENDING_TRANSFER_NOT_FOUND");
    if (pending.state !== "pending") return fail("PENDING_TRANSFER_ALREADY_RESOLVED");
    const amount = input.type === "post_pending" ? (input.amountMinor ?? pending.amount) : pending.amount;
    if (amount > pending.amount) return fail("AMOUNT_EXCEEDS_PENDING");
    const from = ids.indexOf(pending.input.debitAccountId);
    const to = ids.indexOf(pending.input.creditAccountId);
    this.balance[from] =
      (this.balance[from] as bigint) + pending.amount - (input.type === "post_pending" ? amount : 0n);
    if (input.type === "post_pending") this.balance[to] = (this.balance[to] as bigint) + amount;
    pending.state = input.type === "post_pending" ? "posted" : "voided";
    this.transfers.set(input.id, { input, amount });
    return { id: input.id, result: "created" };
  }
}

const isResolution = (input: TransferInput): input is Resolution => "pendingId" in input;

/** Whether a resubmission is the recorded transfer (the `linked` flag is not part of a transfer). */
function sameTransfer(prior: ModelTransfer, input: TransferInput): boolean {
  const p = prior.input;
  if (p.type !== input.type) return false;
  if (!isResolution(p)) {
    const i = input as NewTransfer;
    return (
      p.debitAccountId === i.debitAccountId && p.creditAccountId === i.creditAccountId && prior.amount === i.amountMinor
    );
  }
  const i = input as Resolution;
  return p.pendingId === i.pendingId && (i.amountMinor === undefined || i.amountMinor === prior.amount);
}

const summary = (r: TransferResult) => (r.result === "failed" ? r.code : r.result);

describe("any sequence of operations", () => {
  it("gives the model's results and balances, and keeps every invariant", async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async (calls) => {
        const now = h.clock.now();
        const ids: string[] = [];
        for (let i = 0; i < WALLETS; i++)
          ids.push((await ensureAccount(h.db, { ownerId: newId("usr"), purpose: "wallet", currency: "USD" }, now)).id);
        ids.push(
          (await ensureAccount(h.db, { ownerId: newId("plt"), purpose: "card_funding", currency: "USD" }, now)).id,
        );
        const model = new Model();
        const history: TransferInput[] = [];

        // Fund the wallets so there is something to move.
        const funding = ids.slice(0, WALLETS).map((to) => ({
          id: newId("ltx"),
          type: "posted" as const,
          debitAccountId: ids[FUNDING] as string,
          creditAccountId: to,
          amountMinor: 1_000n,
          currency: "USD",
        }));
        model.call([...funding], ids);
        await h.ledger.createTransfers(funding);

        for (const call of calls) {
          const inputs = call.map((op) => toInput(op, ids, history));
          const expected = model.call(
            inputs.map((i) => ({ ...i })),
            ids,
          );
          const actual = await h.ledger.createTransfers(inputs);
          expect(actual.map(summary)).toEqual(expected.map(summary));
          history.push(...inputs);
        }

        for (const [i, id] of ids.entries()) {
          const balance = await getBalance(h.db, id);
          expect(balance.available, `account ${i}`).toBe(model.balance[i]);
          if (i !== FUNDING) expect(balance.available >= 0n).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true });
  });
});

function toInput(op: Op, ids: string[], history: TransferInput[]): TransferInput {
  if ("from" in op) {
    return {
      id: newId("ltx"),
      type: op.op,
      debitAccountId: ids[op.from] as string,
      creditAccountId: ids[op.to] as string,
      amountMinor: op.amount,
      currency: "USD",
      linked: op.linked,
    };
  }
  const target = history.length > 0 ? history[op.target % history.length] : undefined;
  if (op.op === "resubmit") {
    if (!target) return { id: newId("ltx"), type: "void_pending", pendingId: "ltx_none" };
    const copy = { ...target, linked: false };
    return op.changeAmount && copy.type !== "void_pending" ? ({ ...copy, amountMinor: 7n } as TransferInput) : copy;
  }
  return {
    id: newId("ltx"),
    type: op.op === "post" ? "post_pending" : "void_pending",
    pendingId: target?.id ?? "ltx_none",
    amountMinor: op.op === "post" ? op.amount : undefined,
  };
}
