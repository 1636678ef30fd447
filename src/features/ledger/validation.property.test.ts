import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedgerHarness, type LedgerHarness } from "../../../test/ledger-harness";
import { getBalance } from "./balances";
import { CURRENCIES, isCurrency } from "./currencies";
import type { NewTransfer } from "./ledger.types";
import { METADATA_MAX_BYTES, TRANSFER_ID_MAX_LENGTH } from "./post-transfers";

let h: LedgerHarness;
let from: string;
let to: string;

beforeAll(async () => {
  h = await createLedgerHarness();
  [from, to] = [await h.wallet(), await h.wallet()];
  await h.fund(from, 10n ** 12n);
});
afterAll(() => h.close());

const transferArb = fc.record({
  id: fc.oneof(fc.string({ minLength: 0, maxLength: 140 }), fc.uuid()),
  amountMinor: fc.oneof(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10_000n })),
  currency: fc.oneof(fc.constantFrom("USD", "usd", "XXX", "US", ""), fc.string({ maxLength: 4 })),
  sameAccount: fc.boolean(),
  metadataBytes: fc.oneof(fc.nat(100), fc.nat(3000)),
});

describe("transfer validation", () => {
  it("refuses exactly the invalid transfers, with the right code, and moves nothing for them", async () => {
    await fc.assert(
      fc.asyncProperty(transferArb, async (t) => {
        const before = (await getBalance(h.db, from)).available;
        const input: NewTransfer = {
          id: `${t.id}`,
          type: "posted",
          debitAccountId: from,
          creditAccountId: t.sameAccount ? from : to,
          amountMinor: t.amountMinor,
          currency: t.currency,
          metadata: { pad: "x".repeat(t.metadataBytes) },
        };
        const [result] = await h.ledger.createTransfers([input]);
        const expected =
          input.id.length < 1 || input.id.length > TRANSFER_ID_MAX_LENGTH
            ? "INVALID_ID"
            : JSON.stringify(input.metadata).length > METADATA_MAX_BYTES
              ? "METADATA_TOO_LARGE"
              : t.amountMinor <= 0n
                ? "AMOUNT_MUST_BE_POSITIVE"
                : !isCurrency(t.currency)
                  ? "CURRENCY_NOT_SUPPORTED"
                  : t.amountMinor > CURRENCIES[t.currency].maxAmountMinor
                    ? "AMOUNT_EXCEEDS_MAXIMUM"
                    : t.sameAccount
                      ? "ACCOUNTS_MUST_BE_DIFFERENT"
                      : t.currency !== "USD"
                        ? "CURRENCY_MISMATCH"
                        : undefined;
        const after = (await getBalance(h.db, from)).available;
        if (expected) {
          expect(result).toMatchObject({ result: "failed", code: expected });
          expect(after).toBe(before);
        } else if (result?.result === "created") {
          expect(after).toBe(before - t.amountMinor);
        } else {
          // The same id drawn twice: a repeat is "exists", a different transfer under it names the field.
          expect(result).toMatchObject({ result: expect.stringMatching(/^(exists|failed)$/) });
          expect(after).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
  });
});
