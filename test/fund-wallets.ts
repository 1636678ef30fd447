import { ensureAccount, PLATFORM_OWNER } from "../src/features/ledger/accounts";
import { createLedger } from "../src/features/ledger/ledger";
import { systemClock } from "../src/platform/clock";
import { createDb } from "../src/platform/db";
import { newId } from "../src/platform/ids";

/** Each wallet's opening balance: far more than any run spends. */
export const WALLET_FUNDING_MINOR = 10n ** 9n;

/**
 * Puts money in people's wallets by posting ledger transfers straight to the service's database
 * (there is no HTTP top-up): one posted transfer each from the platform's card funding account.
 */
export async function fundWallets(url: string, userIds: string[]): Promise<void> {
  const db = createDb(url, 2);
  try {
    const now = systemClock.now();
    const funding = (
      await ensureAccount(db, { ownerId: PLATFORM_OWNER, purpose: "card_funding", currency: "USD" }, now)
    ).id;
    const ledger = createLedger({ db, clock: systemClock }, undefined);
    const transfers = [];
    for (const id of userIds) {
      const wallet = (await ensureAccount(db, { ownerId: id, purpose: "wallet", currency: "USD" }, now)).id;
      transfers.push({
        id: newId("ltx"),
        type: "posted" as const,
        debitAccountId: funding,
        creditAccountId: wallet,
        amountMinor: WALLET_FUNDING_MINOR,
        currency: "USD",
      });
    }
    const results = await ledger.createTransfers(transfers);
    const failed = results.filter((r) => r.result !== "created");
    if (failed.length) throw new Error(`funding failed: ${JSON.stringify(failed[0])}`);
  } finally {
    await db.destroy();
  }
}
