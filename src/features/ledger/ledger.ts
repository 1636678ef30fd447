import type { Clock } from "../../platform/clock";
import type { Db } from "../../platform/db";
import { isTransient, retryTransient } from "../../platform/transient";
import type { TransferInput, TransferResult } from "./ledger.types";
import { postTransfers } from "./post-transfers";
import { type BatchingOptions, createTransferBatcher } from "./transfer-batcher";

export type Ledger = {
  /** Posts transfers with one result each; the same API whether or not batching is on. */
  createTransfers(inputs: readonly TransferInput[]): Promise<TransferResult[]>;
};

/**
 * Two submissions racing with the same new transfer id but different accounts do not
 * meet on an account lock; the loser's insert hits the primary key, and a retry then
 * reports the id as existing.
 */
const isDuplicateTransferId = (err: unknown) =>
  (err as { code?: unknown; constraint?: unknown }).code === "23505" &&
  (err as { constraint?: unknown }).constraint === "ledger_transfers_pkey";

export function createLedger(deps: { db: Db; clock: Clock }, batching: BatchingOptions | undefined): Ledger {
  const post = (inputs: readonly TransferInput[]) =>
    retryTransient(
      () => deps.db.transaction().execute((trx) => postTransfers(trx, inputs, deps.clock.now())),
      (err) => isTransient(err) || isDuplicateTransferId(err),
    );
  return { createTransfers: batching ? createTransferBatcher(post, batching) : post };
}
