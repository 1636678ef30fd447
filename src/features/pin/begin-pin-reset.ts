import type { Deps, JsonObject } from "../../deps";
import { AppError } from "../../errors";
import { newChallenge, pickMethod, storeChallenge } from "../security";
import { findPin } from "./pin.repository";

/** Starts a PIN reset: a fresh single-use challenge and what the client needs to answer it with the chosen proof. */
export async function beginPinReset(
  deps: Deps,
  input: { userId: string; proof: string },
): Promise<{ challengeId: string; proof: string; expiresAt: Date; prompt: JsonObject }> {
  const proof = pickMethod(deps.security.resetProofs, input.proof, "proof");
  if (!(await findPin(deps.db, input.userId)))
    throw new AppError("PIN_NOT_SET", { detail: "There is no PIN to reset" });
  const begin = await proof.availableTo(deps, input.userId);
  if (!begin) {
    throw new AppError("RESET_PROOF_UNAVAILABLE", { detail: `You cannot prove it is you with ${proof.name} yet` });
  }
  const fresh = await newChallenge();
  const begun = await begin(fresh);
  const stored = await storeChallenge(deps, {
    userId: input.userId,
    purpose: "pin_reset",
    fresh,
    methods: [proof.name],
    context: { [proof.name]: begun.context ?? {} },
  });
  return { challengeId: stored.id, proof: proof.name, expiresAt: stored.expiresAt, prompt: begun.prompt ?? {} };
}
