import type { Db } from "../../platform/db";
import { currencyTotals, type Drift, findBalanceDrift } from "./ledger.repository";

export type LedgerReport = {
  ok: boolean;
  drift: Drift[];
  unbalanced: { currency: string; posted: bigint; pending: bigint }[];
};

/** Recomputes every balance from the transfers and checks each currency sums to zero. */
export async function verifyLedger(db: Db): Promise<LedgerReport> {
  const [drift, totals] = await Promise.all([findBalanceDrift(db), currencyTotals(db)]);
  const unbalanced = totals.filter((t) => t.posted !== 0n || t.pending !== 0n);
  return { ok: drift.length === 0 && unbalanced.length === 0, drift, unbalanced };
}
