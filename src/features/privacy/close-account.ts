import type { StripeCleanup } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError, type FieldError } from "../../errors";
import { lockPerson, withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { callStripe, isStripeError } from "../../platform/stripe";
import { isForeignKeyViolation } from "../../platform/transient";
import {
  clearStripeCleanup,
  countMoneyInFlight,
  countOpenRequests,
  deleteRowsAbout,
  insertClosedAccount,
  insertFormerUser,
  replaceId,
  scrubWords,
  stripeHandlesOf,
  userExists,
  walletsNotEmpty,
} from "./closure.repository";
import { personalTables } from "./data-map";

/** How other people's histories name someone who closed their account. */
export const FORMER_USER_NAME = "A former user";

/** Why an account cannot close yet, each with what to do about it. */
export async function reasonsNotToClose(deps: Pick<Deps, "db">, userId: string): Promise<FieldError[]> {
  const [money, wallets, requests] = await Promise.all([
    countMoneyInFlight(deps.db, userId),
    walletsNotEmpty(deps.db, userId),
    countOpenRequests(deps.db, userId),
  ]);
  const reasons: FieldError[] = [];
  if (money.inFlight > 0) {
    reasons.push({
      path: "payments_in_flight",
      message: `${money.inFlight} payment(s) are still moving: confirm or cancel them, or wait for them to finish`,
    });
  }
  if (money.unclaimed > 0) {
    reasons.push({
      path: "money_unclaimed",
      message: `${money.unclaimed} payment(s) wait to be claimed: add a payout card, or wait for them to be returned`,
    });
  }
  if (wallets.length > 0) {
    reasons.push({
      path: "wallet_not_empty",
      message: `Your ${wallets.map((w) => w.currency).join(", ")} wallet holds money: pay it out or send it first`,
    });
  }
  if (requests > 0) {
    reasons.push({
      path: "requests_open",
      message: `${requests} request(s) are open: cancel yours and pay or decline the ones asked of you`,
    });
  }
  return reasons;
}

function addYears(at: Date, years: number): Date {
  const next = new Date(at);
  next.setUTCFullYear(next.getUTCFullYear() + years);
  return next;
}

/**
 * Closes the person's account, refused (ACCOUNT_CLOSE_BLOCKED, every reason listed) while money
 * is moving or waiting for them. In one transaction, holding the person's locks: the listeners
 * of ChangeHooks.accountClosing end what other features keep for them; their words are
 * scrubbed; their id is replaced by a random former-user id wherever the data map says to
 * pseudonymise (payments, the ledger, threads, consents: kept for the retention period, and
 * other people see "A former user"); and every other row about them is deleted (PIN, passkeys,
 * cards, payout destination, security history, settings...). Their cards, customer and payout
 * account are then deleted at Stripe (retried by the sweep until done). Closing an account
 * that no longer exists succeeds again, so a retry is safe.
 */
export async function closeAccount(deps: Deps, userId: string): Promise<{ closedAt: Date }> {
  const closing = await withTransaction(deps.db, async (trx) => {
    await lockPerson(trx, "send", userId);
    await lockPerson(trx, "cards", userId);
    if (!(await userExists(trx, userId))) return undefined;
    const reasons = await reasonsNotToClose({ db: trx }, userId);
    if (reasons.length > 0) {
      throw new AppError("ACCOUNT_CLOSE_BLOCKED", {
        detail: reasons.map((r) => r.message).join("; "),
        errors: reasons,
        fields: { reason: reasons[0]?.path ?? null },
      });
    }
    for (const listener of deps.hooks.accountClosing) await listener({ ...deps, db: trx }, trx, userId);

    const now = deps.clock.now();
    const formerId = newId("fmr");
    const cleanup = await stripeHandlesOf(trx, userId);
    await insertFormerUser(trx, formerId, FORMER_USER_NAME, now);
    // First: the append-only guards let a person's id become a registered former user's only.
    await insertClosedAccount(trx, {
      former_id: formerId,
      closed_at: now,
      purge_after: addYears(now, deps.config.privacy.retentionYears),
      stripe_cleanup: cleanup,
    });
    await scrubWords(trx, userId);
    // Deleted while the rows that find them still name the person (a link's secrets through
    // the link), dependants first; then the id is replaced; the person's own row goes last.
    const tables = personalTables();
    const [own, ...rest] = tables;
    for (const [table, entry] of rest.reverse()) {
      if (entry.closing === "delete") await deleteRowsAbout(trx, table, entry, userId);
    }
    for (const [table, entry] of tables) {
      if (typeof entry.closing !== "object" || !("pseudonymise" in entry.closing)) continue;
      for (const column of entry.closing.pseudonymise) await replaceId(trx, table, column, userId, formerId);
    }
    if (own) await deleteRowsAbout(trx, own[0], own[1], userId);
    return { formerId, closedAt: now, cleanup };
  }).catch((err: unknown) => {
    // Something for them (a payment, a thread) committed while this ran: nothing was closed;
    // the person looks at it, and closing is asked again (and judged again).
    if (!isForeignKeyViolation(err)) throw err;
    const arrived = {
      path: "something_arrived",
      message: "Something arrived for you while the account was closing: look at it, then try again",
    };
    throw new AppError("ACCOUNT_CLOSE_BLOCKED", {
      detail: arrived.message,
      errors: [arrived],
      fields: { reason: arrived.path },
    });
  });
  if (!closing) return { closedAt: deps.clock.now() };
  try {
    await cleanUpAtStripe(deps, closing.formerId, closing.cleanup);
  } catch (err) {
    deps.logger.warn({ err, former_id: closing.formerId }, "closed account: Stripe clean-up left for the sweep");
  }
  return { closedAt: closing.closedAt };
}

/** A Stripe deletion that finds nothing to delete (already done, or deleted from Stripe's side) is done. */
async function gone(call: () => Promise<unknown>): Promise<void> {
  try {
    await callStripe(call);
  } catch (err) {
    if (!(isStripeError(err) && err.statusCode !== undefined && err.statusCode < 500)) throw err;
  }
}

/** Detaches the cards, deletes the customer and closes the payout account at Stripe, then forgets their handles. */
export async function cleanUpAtStripe(
  deps: Pick<Deps, "db" | "stripe">,
  formerId: string,
  cleanup: StripeCleanup,
): Promise<void> {
  const { sdk } = deps.stripe;
  for (const id of cleanup.payment_method_ids) await gone(() => sdk.paymentMethods.detach(id));
  const { customer_id: customerId, account_id: accountId } = cleanup;
  if (customerId) await gone(() => sdk.customers.del(customerId));
  if (accountId) await gone(() => sdk.accounts.del(accountId));
  await clearStripeCleanup(deps.db, formerId);
}
