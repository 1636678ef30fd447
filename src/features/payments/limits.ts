import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import type { Db, Trx } from "../../platform/db";
import { inReducedLimitsWindow, pinResetAtOf } from "../pin";
import { accountCreatedAtOf } from "../users";
import { formatAmount } from "./format-amount";
import { sendingStanding } from "./payments.repository";

const DAY_MS = 86_400_000;

/**
 * Per-payment, rolling 24-hour and 7-day sending limits; lower for new accounts and for a
 * day after a PIN reset; and, for a new payment (`pendingMax`), a bound on how many may await
 * confirmation at once. A refusal names the limit and when enough of it frees up. One read,
 * through the caller's transaction: asking the pool for a second connection while holding one
 * starves it under load.
 */
export async function checkSendingLimits(
  deps: Pick<Deps, "clock" | "config">,
  db: Db | Trx,
  input: { senderId: string; amountMinor: bigint; currency: string; excludePaymentId?: string; pendingMax?: number },
): Promise<void> {
  const now = deps.clock.now();
  const windows = [
    ["daily", DAY_MS],
    ["weekly", 7 * DAY_MS],
  ] as const;
  const standing = await sendingStanding(db, {
    senderId: input.senderId,
    currency: input.currency,
    since: windows.map(([, windowMs]) => new Date(now.getTime() - windowMs)),
    excludeId: input.excludePaymentId,
    countAwaiting: input.pendingMax !== undefined,
    accountCreatedAt: accountCreatedAtOf(db, input.senderId),
    pinResetAt: pinResetAtOf(db, input.senderId),
  });
  const awaiting = standing.awaitingConfirmation;
  if (input.pendingMax !== undefined && awaiting !== undefined && awaiting >= input.pendingMax) {
    throw new AppError("TOO_MANY_PENDING_PAYMENTS", {
      detail: `Confirm or cancel your ${awaiting} unconfirmed payments first`,
      retryAfterSeconds: Math.ceil(deps.config.payments.confirmWindowMs / 1000),
    });
  }
  const newAccount = now.getTime() - standing.accountCreatedAt.getTime() < deps.config.payments.newAccountDays * DAY_MS;
  const reduced = newAccount || inReducedLimitsWindow(standing.pinResetAt, now);
  const limits = reduced ? deps.config.payments.reduced : deps.config.payments;
  const why = newAccount ? " (lower while your account is new)" : reduced ? " (lower for a day after a PIN reset)" : "";

  if (input.amountMinor > BigInt(limits.maxMinor)) {
    throw limitError(
      "per_payment",
      limits.maxMinor,
      0n,
      null,
      input.currency,
      `At most ${formatAmount(BigInt(limits.maxMinor), input.currency)} per payment${why}`,
    );
  }
  const limitOf = { daily: limits.dailyLimitMinor, weekly: limits.weeklyLimitMinor };
  for (const [i, [name, windowMs]] of windows.entries()) {
    const limit = limitOf[name];
    const used = standing.windows[i] ?? { total: 0n, oldest: null };
    if (used.total + input.amountMinor > BigInt(limit)) {
      const resetsAt = used.oldest ? new Date(used.oldest.getTime() + windowMs) : now;
      const left = BigInt(limit) - used.total;
      throw limitError(
        name,
        limit,
        used.total,
        resetsAt,
        input.currency,
        `Your ${name === "daily" ? "24-hour" : "7-day"} limit is ${formatAmount(BigInt(limit), input.currency)}${why}; ${formatAmount(left > 0n ? left : 0n, input.currency)} left until ${resetsAt.toISOString()}`,
      );
    }
  }
}

function limitError(
  limit: string,
  limitMinor: number,
  usedMinor: bigint,
  resetsAt: Date | null,
  currency: string,
  detail: string,
) {
  return new AppError("LIMIT_EXCEEDED", {
    detail,
    fields: {
      limit,
      limit_minor: limitMinor,
      used_minor: Number(usedMinor),
      currency,
      resets_at: resetsAt?.toISOString() ?? null,
    },
  });
}
