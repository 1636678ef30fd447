import type { Logger } from "./logger";

/**
 * Work that follows a committed change (a payout or refund at Stripe, paying out what waited for
 * a new payout card). Its failure leaves the payment in a state the sweep picks up again, so it
 * is logged rather than turned into an error for a change that already happened. Shared by the
 * features that start such work after their own commits (payments, cards, Stripe's webhooks).
 */
export async function afterCommit(deps: { logger: Logger }, step: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    deps.logger.warn({ err, step }, "payment step deferred to the sweep");
  }
}
