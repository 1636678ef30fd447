import type { PaymentPin } from "../../../db/schema";

/** Consecutive wrong PINs before a lock; after it expires, more wrong PINs count on towards disabling. */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_DURATION_MS = 15 * 60_000;
/** Consecutive wrong PINs after which only a reset (proof of possession) brings the PIN back. */
export const DISABLE_AFTER_FAILURES = 10;

export type PinState = "not_set" | "active" | "locked" | "disabled";

export type PinThrottle = {
  state: PinState;
  /** Wrong PINs that may be tried right now before the next lock or the disable. */
  attemptsRemaining: number;
  lockedUntil: Date | null;
};

export function pinThrottle(pin: PaymentPin | undefined, now: Date): PinThrottle {
  if (!pin) return { state: "not_set", attemptsRemaining: 0, lockedUntil: null };
  if (pin.disabled_at) return { state: "disabled", attemptsRemaining: 0, lockedUntil: null };
  if (pin.locked_until && pin.locked_until > now) {
    return { state: "locked", attemptsRemaining: 0, lockedUntil: pin.locked_until };
  }
  return { state: "active", attemptsRemaining: attemptsBeforeNextStop(pin.failed_attempts), lockedUntil: null };
}

export function attemptsBeforeNextStop(failedAttempts: number): number {
  const nextStop = failedAttempts < LOCK_AFTER_FAILURES ? LOCK_AFTER_FAILURES : DISABLE_AFTER_FAILURES;
  return Math.max(0, nextStop - failedAttempts);
}

export function secondsUntil(when: Date, now: Date): number {
  return Math.max(1, Math.ceil((when.getTime() - now.getTime()) / 1000));
}
