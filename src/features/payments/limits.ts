import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import type { Db, Trx } from "../../platform/db";
import { isInReducedLimitsWindow } from "../pin";
import { accountCreatedAt } from "../users";
import { formatAmount } from "./format-amount";
import { sentSince } from "./payments.repository";

const DAY_MS = 86_400_000;

/**
 * Per-payment, rolling 24-hour and 7-day sending limits; lower for new accounts and for a
 * day after a PIN reset. A refusal names the limit and when enough of it frees up.
 */
export async function checkSendingLimits(
  deps: Pick<Deps, "clock" | "config">,
  db: Db | Trx,
  input: { senderId: string; amountMinor: bigint; currency: string; excludePaymentId?: string },
): Promise<void> {
  const now = deps.clock.now();
  const createdAt = await accountCreatedAt(db, input.senderId);
  const newAccount = now.getTime() - createdAt.getTime() < deps.config.payments.newAccountDays * DAY_MS;
  // Read through the caller's transaction: asking the pool for a second connection while
  // holding one starves it under load.
  const reduced = newAccount || (await isInReducedLimitsWindow({ db, clock: deps.clock }, input.senderId));
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
  const windows = [
    ["daily", DAY_MS, limits.dailyLimitMinor],
    ["weekly", 7 * DAY_MS, limits.weeklyLimitMinor],
  ] as const;
  const sent = await sentSince(
    db,
    input.senderId,
    input.currency,
    windows.map(([, windowMs]) => new Date(now.getTime() - windowMs)),
    input.excludePaymentId,
  );
  for (const [i, [name, windowMs, limit]] of windows.entries()) {
    const used = sent[i] ?? { total: 0n, oldest: null };
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
