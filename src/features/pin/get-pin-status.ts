import type { Deps } from "../../deps";
import { findPin } from "./pin.repository";
import { type PinState, pinThrottle } from "./pin-throttle";
import { reducedLimitsUntil } from "./reduced-limits";

export type PinStatus = {
  state: PinState;
  attemptsRemaining: number;
  lockedUntil: Date | null;
  updatedAt: Date | null;
  resetAt: Date | null;
  reducedLimitsUntil: Date | null;
};

/** Whether the person has a PIN and what its lockout state is; never the PIN or its hash. */
export async function getPinStatus(deps: Pick<Deps, "db" | "clock">, input: { userId: string }): Promise<PinStatus> {
  const pin = await findPin(deps.db, input.userId);
  const now = deps.clock.now();
  const throttle = pinThrottle(pin, now);
  const until = reducedLimitsUntil(pin?.reset_at ?? null);
  return {
    ...throttle,
    updatedAt: pin?.updated_at ?? null,
    resetAt: pin?.reset_at ?? null,
    reducedLimitsUntil: until && until > now ? until : null,
  };
}

/** Whether a PIN exists that is not disabled (a locked PIN still counts: the lock lifts by itself). */
export async function hasUsablePin(deps: Pick<Deps, "db">, userId: string): Promise<boolean> {
  const pin = await findPin(deps.db, userId);
  return pin !== undefined && pin.disabled_at === null;
}
