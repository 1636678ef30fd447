import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { PinHasherBusyError, type PinHashing } from "../../platform/pin-hasher";

const PIN_BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * Runs hashing work in one of the hasher's bounded slots. A full queue is PIN_BUSY (429)
 * before the work starts, so a busy server never costs anyone an attempt.
 */
export async function withPinHashing<T>(
  deps: Pick<Deps, "pinHasher">,
  work: (hashing: PinHashing) => Promise<T>,
): Promise<T> {
  try {
    return await deps.pinHasher.withSlot(work);
  } catch (err) {
    if (!(err instanceof PinHasherBusyError)) throw err;
    throw new AppError("PIN_BUSY", {
      detail: "Too many PIN checks are in progress; retry in a moment",
      retryAfterSeconds: PIN_BUSY_RETRY_AFTER_SECONDS,
    });
  }
}
