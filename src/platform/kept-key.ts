import type { Trx } from "./db";

/**
 * A request's Idempotency-Key, for a verb that keeps it in a transaction the verb opens itself,
 * after checks of its own outside any transaction (a PIN's). Null without a key.
 */
export type KeptKey<T> = {
  /**
   * First in the verb's transaction: locks the key for it (409 while another request holds
   * it); true when an earlier answer under the key stands, which the route replays.
   */
  answered(trx: Trx): Promise<boolean>;
  /**
   * In the verb's transaction, with its work: its result, kept as the answer; or, when the
   * result only comes after the transaction (a card's charge), the key held in flight until
   * `settle`. A refusal or a failure, which keeps nothing, calls neither.
   */
  keep(trx: Trx, result: T | undefined): Promise<void>;
  /** After the transaction, for a key held in flight: the result, kept; or undefined (it failed), the key freed. */
  settle(result: T | undefined): Promise<void>;
};

/**
 * A verb's work in its transaction under its key: undefined when an earlier answer under the
 * key stands, else the work's result, kept with it (a refusal, thrown, keeps nothing).
 */
export async function keptWith<T>(trx: Trx, key: KeptKey<T> | null, work: () => Promise<T>): Promise<T | undefined> {
  if (await key?.answered(trx)) return undefined;
  const result = await work();
  await key?.keep(trx, result);
  return result;
}
