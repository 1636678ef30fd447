import type { PaymentPin } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { recordSecurityEvent } from "../security";
import { claimPinAttempt, findPin, markPinFailed, recordPinSuccess } from "./pin.repository";
import { withPinHashing } from "./pin-hashing";
import {
  attemptsBeforeNextStop,
  DISABLE_AFTER_FAILURES,
  LOCK_AFTER_FAILURES,
  LOCK_DURATION_MS,
  pinThrottle,
  secondsUntil,
} from "./pin-throttle";

/** Why the PIN was checked, for the audit trail ("change", "confirmation", ...). */
export type PinCheckPurpose = string;

/** Tries to take an attempt when a lock was lifted between the claim and the re-read. */
const CLAIM_TRIES_MAX = 3;

/**
 * Checks the person's PIN under the lockout rules: 5 wrong in a row lock it for 15 minutes,
 * 10 disable it until a reset; a correct PIN clears the count. Throws PIN_NOT_SET, PIN_LOCKED,
 * PIN_DISABLED, PIN_INCORRECT (with attempts_remaining) or PIN_BUSY; resolves when correct.
 */
export async function verifyPin(
  deps: Pick<Deps, "db" | "clock" | "pinHasher">,
  input: { userId: string; pin: string; purpose?: PinCheckPurpose },
): Promise<void> {
  // Refusing a locked PIN before queueing keeps a flood of hopeless guesses from taking everyone's slots.
  const refusal = refusalFor(await findPin(deps.db, input.userId), deps.clock.now());
  if (refusal) throw refusal;
  await withPinHashing(deps, async (hashing) => {
    const now = deps.clock.now();
    const attempt = await claimAttempt(deps, input.userId, now);
    const stored = { phc: attempt.pin_hash, pepperVersion: attempt.pepper_version };
    const result = await hashing.verify(input.pin, stored);
    if (result.matches) {
      const rehash = result.needsRehash ? await hashing.hash(input.pin) : undefined;
      await recordPinSuccess(deps.db, input.userId, attempt.pin_hash, rehash);
      return;
    }
    await recordFailure(deps, { userId: input.userId, purpose: input.purpose ?? "confirmation" }, attempt, now);
  });
}

async function claimAttempt(deps: Pick<Deps, "db">, userId: string, now: Date): Promise<PaymentPin> {
  const rules = {
    now,
    lockAtFailures: LOCK_AFTER_FAILURES,
    lockedUntil: new Date(now.getTime() + LOCK_DURATION_MS),
    disableAtFailures: DISABLE_AFTER_FAILURES,
  };
  for (let i = 0; i < CLAIM_TRIES_MAX; i++) {
    const claimed = await claimPinAttempt(deps.db, userId, rules);
    if (claimed) return claimed;
    const refusal = refusalFor(await findPin(deps.db, userId), now);
    if (refusal) throw refusal;
  }
  throw new Error(`PIN attempt for ${userId} could not be claimed after ${CLAIM_TRIES_MAX} tries`);
}

/** The failure was counted when the attempt was claimed; this records it (and any lock it caused) in the audit trail. */
async function recordFailure(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; purpose: PinCheckPurpose },
  attempt: PaymentPin,
  now: Date,
): Promise<never> {
  const failures = attempt.failed_attempts;
  await withTransaction(deps.db, async (trx) => {
    await markPinFailed(trx, input.userId, now);
    const audit = (kind: "pin_failed" | "pin_locked" | "pin_disabled", detail: Record<string, string | number>) =>
      recordSecurityEvent(trx, deps.clock, { userId: input.userId, kind, detail });
    await audit("pin_failed", { purpose: input.purpose, failed_attempts: failures });
    if (failures === LOCK_AFTER_FAILURES && attempt.locked_until) {
      await audit("pin_locked", { failed_attempts: failures, locked_until: attempt.locked_until.toISOString() });
    }
    if (failures >= DISABLE_AFTER_FAILURES) await audit("pin_disabled", { failed_attempts: failures });
  });
  if (failures >= DISABLE_AFTER_FAILURES) throw disabledError();
  if (failures === LOCK_AFTER_FAILURES && attempt.locked_until) throw lockedError(attempt.locked_until, now);
  // Every wrong PIN gets the same answer; only the count differs, because the person must see it.
  throw new AppError("PIN_INCORRECT", {
    detail: "Incorrect PIN",
    fields: { attempts_remaining: attemptsBeforeNextStop(failures) },
  });
}

/** Why no attempt may be made now, if none may. */
function refusalFor(pin: PaymentPin | undefined, now: Date): AppError | undefined {
  const throttle = pinThrottle(pin, now);
  if (throttle.state === "not_set") return new AppError("PIN_NOT_SET", { detail: "Set a payment PIN first" });
  if (throttle.state === "disabled") return disabledError();
  if (throttle.state === "locked" && throttle.lockedUntil) return lockedError(throttle.lockedUntil, now);
  return undefined;
}

function lockedError(lockedUntil: Date, now: Date): AppError {
  const retryAfterSeconds = secondsUntil(lockedUntil, now);
  return new AppError("PIN_LOCKED", {
    detail: `Too many incorrect PINs; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`,
    fields: { attempts_remaining: 0, locked_until: lockedUntil.toISOString() },
    retryAfterSeconds,
  });
}

function disabledError(): AppError {
  return new AppError("PIN_DISABLED", {
    detail: "Too many incorrect PINs; reset your PIN by proving it is you (for example with a registered passkey)",
    fields: { attempts_remaining: 0 },
  });
}
