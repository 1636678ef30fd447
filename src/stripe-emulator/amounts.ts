import type { Context } from "hono";
import { type Form, int } from "./form";
import { invalid } from "./responses";
import type { Stored } from "./store";

/**
 * The `amount` parameter: a positive integer, or an error response. With `left` (refunds,
 * reversals) it defaults to what is left and may not exceed it.
 */
export const amountOf = (
  c: Context,
  form: Form,
  left?: { amount: number; tooMuch: (amount: number) => string },
): number | Response => {
  const amount = int(form, "amount") ?? left?.amount;
  if (amount === undefined || amount < 1) {
    return invalid(c, "This value must be greater than or equal to 1.", "amount");
  }
  return left && amount > left.amount ? invalid(c, left.tooMuch(amount), "amount") : amount;
};

/** What is left of an object's amount once `taken` (amount_refunded, amount_reversed) is deducted. */
export const leftOf = (parent: Stored, taken: string) => (parent.amount as number) - (parent[taken] as number);

/** Records a refund or reversal on what it was taken from: the running total, the done flag, the list. */
export const recordPart = (parent: Stored, part: Stored, keys: { taken: string; done: string; list: string }) => {
  parent[keys.taken] = (parent[keys.taken] as number) + (part.amount as number);
  parent[keys.done] = parent[keys.taken] === parent.amount;
  (parent[keys.list] as { data: unknown[] }).data.unshift(part);
};
