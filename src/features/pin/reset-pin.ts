import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { consumeChallenge, recordSecurityEvent, requireUsableChallenge } from "../security";
import { getPinStatus, type PinStatus } from "./get-pin-status";
import { replacePin } from "./pin.repository";
import { withPinHashing } from "./pin-hashing";
import { requireStrongPin } from "./pin-rules";

/**
 * Sets a new PIN after the reset challenge was answered with its proof of possession. Clears
 * any lock or disable, and records reset_at: payments run under reduced limits for 24 hours.
 */
export async function resetPin(
  deps: Deps,
  input: { userId: string; challengeId: string; newPin: string; response: unknown },
): Promise<PinStatus> {
  requireStrongPin(input.newPin, "new_pin");
  const challenge = await requireUsableChallenge(deps, deps.db, {
    id: input.challengeId,
    userId: input.userId,
    purpose: "pin_reset",
  });
  const proofName = challenge.methods[0] ?? "";
  const proof = deps.security.resetProofs.find((p) => p.name === proofName);
  if (!proof) {
    throw new AppError("RESET_PROOF_UNAVAILABLE", {
      detail: `The ${proofName} proof is no longer offered; start again`,
    });
  }
  const verification = await proof.verify(deps, {
    userId: input.userId,
    challenge,
    context: challenge.context[proof.name] ?? {},
    response: input.response,
  });
  const hash = await withPinHashing(deps, (hashing) => hashing.hash(input.newPin));
  await withTransaction(deps.db, async (trx) => {
    await consumeChallenge(deps, trx, challenge);
    await verification.commit?.(trx);
    const reset = await replacePin(trx, input.userId, hash, deps.clock.now(), { reset: true });
    if (!reset) throw new AppError("PIN_NOT_SET", { detail: "There is no PIN to reset" });
    await recordSecurityEvent(trx, deps.clock, {
      userId: input.userId,
      kind: "pin_reset",
      detail: { proof: proof.name, challenge_id: challenge.id, ...verification.detail },
    });
  });
  return getPinStatus(deps, input);
}
