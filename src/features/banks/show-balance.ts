import type { Confirmable, Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { checkConfirmation, type IssuedConfirmationChallenge, issueConfirmationChallenge } from "../confirmation";
import { readFdx } from "./bank-client";
import { lockLink, updateLink } from "./banks.repository";
import { logAccess } from "./link-context";
import { lockActiveLink, requireActiveLink } from "./require-link";
import { withAccessToken } from "./with-access-token";

/**
 * A balance request as something to confirm: bound to this request (a fresh id per ask) and to
 * the link, so the challenge works for nothing else. No money moves (amount 0).
 */
const balanceConfirmable = (input: { requestId: string; userId: string; linkId: string }): Confirmable => ({
  kind: "bank_balance",
  id: input.requestId,
  payerId: input.userId,
  payeeId: input.linkId,
  amountMinor: 0n,
  currency: "USD",
});

/** Starts a step-up for seeing the balance: a new request id and a challenge bound to it and the link. */
export async function beginBalanceStepUp(
  deps: Deps,
  input: { userId: string; linkId: string },
): Promise<{ requestId: string; issued: IssuedConfirmationChallenge }> {
  await requireActiveLink(deps.db, { ...input, now: deps.clock.now(), scope: "balances" });
  const requestId = newId("bbr");
  const issued = await issueConfirmationChallenge(deps, {
    userId: input.userId,
    confirmable: balanceConfirmable({ requestId, ...input }),
  });
  return { requestId, issued };
}

/**
 * Checks the person's answer (PIN or passkey, through the confirmation methods) and opens the
 * balance for the idle period: the challenge is used up and the window set in one transaction.
 */
export async function stepUpForBalance(
  deps: Deps,
  input: { userId: string; linkId: string; requestId: string; challengeId: string; method: string; response: unknown },
): Promise<Date> {
  await requireActiveLink(deps.db, { ...input, now: deps.clock.now(), scope: "balances" });
  const checked = await checkConfirmation(deps, {
    userId: input.userId,
    confirmable: balanceConfirmable(input),
    challengeId: input.challengeId,
    method: input.method,
    response: input.response,
  });
  return withTransaction(deps.db, async (trx) => {
    const link = await lockActiveLink(trx, input.linkId);
    const confirmation = await checked.useUp(trx);
    const until = new Date(confirmation.confirmedAt.getTime() + deps.config.banks.stepUpIdleMs);
    await updateLink(trx, link.id, { stepped_up_until: until, updated_at: confirmation.confirmedAt });
    await logAccess(trx, link, "balance_step_up", confirmation.confirmedAt, { method: confirmation.method });
    return until;
  });
}

type FdxAccount = { accountId?: unknown; productName?: unknown; accountType?: unknown };
type FdxBalance = FdxAccount & {
  currentBalance?: unknown;
  availableBalance?: unknown;
  currency?: { currencyCode?: unknown };
};

/** A balance the bank gave in major units, in minor ones; null when it gave none (never shown as 0). */
const toMinor = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? Math.round(value * 100) : null;
const text = (value: unknown, fallback: string) => (typeof value === "string" && value.length <= 80 ? value : fallback);

/**
 * The balance, read live from the bank for this answer only, after a step-up still within its
 * idle period (each look extends it). It is not stored, cached or logged: the access log
 * records that it was read, not what it was.
 */
export async function showBalance(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; linkId: string },
) {
  const now = deps.clock.now();
  const link = await requireActiveLink(deps.db, { ...input, now, scope: "balances" });
  if (!link.stepped_up_until || link.stepped_up_until <= now) {
    throw new AppError("BANK_STEP_UP_REQUIRED", { detail: "Confirm with your PIN or passkey to see your balance" });
  }
  const accounts = await withAccessToken(deps, link, async (ctx, token) => {
    const list = (await readFdx(ctx, token, "/fdx/v6/accounts")) as { accounts?: FdxAccount[] };
    const ids = (list.accounts ?? []).map((a) => a.accountId).filter((id): id is string => typeof id === "string");
    return Promise.all(
      ids.map(async (id) => (await readFdx(ctx, token, `/fdx/v6/accounts/${encodeURIComponent(id)}`)) as FdxBalance),
    );
  });
  await withTransaction(deps.db, async (trx) => {
    const locked = await lockLink(trx, link.id);
    if (locked?.status !== "active") return;
    await updateLink(trx, link.id, { stepped_up_until: new Date(now.getTime() + deps.config.banks.stepUpIdleMs) });
    await logAccess(trx, link, "balance_fetched", now, { accounts: accounts.length });
  });
  return {
    accounts: accounts.map((a) => {
      const balance = toMinor(a.currentBalance);
      if (balance === null) {
        throw new AppError("BANK_UNAVAILABLE", {
          detail: "The bank answered without a balance; retry shortly",
          retryAfterSeconds: 5,
        });
      }
      return {
        name: text(a.productName, "Account"),
        type: text(a.accountType, "OTHER"),
        balance_minor: balance,
        available_minor: toMinor(a.availableBalance),
        currency: text(a.currency?.currencyCode, "USD"),
      };
    }),
    as_of: now.toISOString(),
  };
}
