import { ensureAccount, PLATFORM_OWNER } from "../src/features/ledger/accounts";
import { getBalance } from "../src/features/ledger/balances";
import { createLedger, type Ledger } from "../src/features/ledger/ledger";
import type { TransferResult } from "../src/features/ledger/ledger.types";
import type { BatchingOptions } from "../src/features/ledger/transfer-batcher";
import { createDb, type Db } from "../src/platform/db";
import { newId } from "../src/platform/ids";
import { createTestDatabase } from "./harness";
import { createTestClock, type TestClock } from "./test-clock";

export type LedgerHarness = {
  db: Db;
  clock: TestClock;
  ledger: Ledger;
  databaseUrl: string;
  /** A new person's wallet (never negative) in this currency. */
  wallet(currency?: string): Promise<string>;
  /** The platform's card funding account (may go negative) for this currency. */
  funding(currency?: string): Promise<string>;
  /** Credits a wallet from card funding. */
  fund(walletId: string, amountMinor: bigint, currency?: string): Promise<void>;
  available(accountId: string): Promise<bigint>;
  close(): Promise<void>;
};

export async function createLedgerHarness(
  options: { batching?: BatchingOptions; poolMax?: number; applicationName?: string } = {},
): Promise<LedgerHarness> {
  const database = await createTestDatabase();
  const url = options.applicationName
    ? `${database.url}?application_name=${encodeURIComponent(options.applicationName)}`
    : database.url;
  const db = createDb(url, options.poolMax ?? 10);
  const clock = createTestClock();
  const ledger = createLedger({ db, clock }, options.batching);
  const funding = async (currency = "USD") =>
    (await ensureAccount(db, { ownerId: PLATFORM_OWNER, purpose: "card_funding", currency }, clock.now())).id;
  return {
    db,
    clock,
    ledger,
    databaseUrl: database.url,
    wallet: async (currency = "USD") =>
      (await ensureAccount(db, { ownerId: newId("usr"), purpose: "wallet", currency }, clock.now())).id,
    funding,
    fund: async (walletId, amountMinor, currency = "USD") => {
      const [result] = await ledger.createTransfers([
        {
          id: newId("ltx"),
          type: "posted",
          debitAccountId: await funding(currency),
          creditAccountId: walletId,
          amountMinor,
          currency,
        },
      ]);
      expectCreated(result);
    },
    available: async (accountId) => (await getBalance(db, accountId)).available,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}

export function expectCreated(result: TransferResult | undefined): void {
  if (result?.result !== "created") throw new Error(`expected created, got ${JSON.stringify(result)}`);
}
