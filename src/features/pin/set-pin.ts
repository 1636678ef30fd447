import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { recordSecurityEvent } from "../security";
import { getPinStatus, type PinStatus } from "./get-pin-status";
import { findPin, insertPinIfAbsent, replacePin } from "./pin.repository";
import { withPinHashing } from "./pin-hashing";
import { requireStrongPin } from "./pin-rules";
import { verifyPin } from "./verify-pin";

/** Sets the person's first PIN, or changes it when the current PIN is given and correct. */
export async function setPin(
  deps: Pick<Deps, "db" | "clock" | "pinHasher">,
  input: { userId: string; newPin: string; currentPin: string | undefined },
): Promise<{ created: boolean; status: PinStatus }> {
  requireStrongPin(input.newPin, "new_pin");
  if (!(await findPin(deps.db, input.userId))) {
    const hash = await withPinHashing(deps, (hashing) => hashing.hash(input.newPin));
    const created = await withTransaction(deps.db, async (trx) => {
      const inserted = await insertPinIfAbsent(trx, input.userId, hash, deps.clock.now());
      if (inserted) await recordSecurityEvent(trx, deps.clock, { userId: input.userId, kind: "pin_set" });
      return inserted !== undefined;
    });
    if (created) return { created: true, status: await getPinStatus(deps, input) };
    // A concurrent request set it first; from here on this is a change, which needs the current PIN.
  }

  if (input.currentPin === undefined) {
    throw new AppError("VALIDATION_FAILED", {
      errors: [{ path: "current_pin", message: "is required to change your PIN (forgot it? reset it instead)" }],
    });
  }
  if (input.currentPin === input.newPin) {
    throw new AppError("VALIDATION_FAILED", { errors: [{ path: "new_pin", message: "must differ from current_pin" }] });
  }
  await verifyPin(deps, { userId: input.userId, pin: input.currentPin, purpose: "change" });
  const hash = await withPinHashing(deps, (hashing) => hashing.hash(input.newPin));
  await withTransaction(deps.db, async (trx) => {
    const changed = await replacePin(trx, input.userId, hash, deps.clock.now(), { reset: false });
    if (!changed) throw new AppError("PIN_NOT_SET", { detail: "Set a payment PIN first" });
    await recordSecurityEvent(trx, deps.clock, { userId: input.userId, kind: "pin_changed" });
  });
  return { created: false, status: await getPinStatus(deps, input) };
}
