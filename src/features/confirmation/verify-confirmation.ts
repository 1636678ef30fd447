import type { Confirmable, Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Trx, withTransaction } from "../../platform/db";
import { consumeChallenge, pickMethod, recordSecurityEvent, requireUsableChallenge } from "../security";
import { bindingHash } from "./binding";

export type Confirmation = { challengeId: string; method: string; confirmedAt: Date };

/**
 * Checks a person's answer to a confirmation challenge against the object as it is now, and
 * uses the challenge up. Refused: someone else's or an unknown challenge, a used or expired
 * one, one issued for another object, an object that changed since, a method the challenge
 * did not offer, and of course a wrong PIN or an assertion that does not verify. Pass the
 * caller's transaction (holding the object's lock) so the challenge is used up with the change
 * it authorises; the audit row is written in it too.
 */
export async function verifyConfirmation(deps: Deps, input: ConfirmationAnswer, trx?: Trx): Promise<Confirmation> {
  const checked = await checkConfirmation(deps, input);
  return withTransaction(trx ?? deps.db, checked.useUp);
}

type ConfirmationAnswer = {
  userId: string;
  confirmable: Confirmable;
  challengeId: string;
  method: string;
  response: unknown;
};

/**
 * verifyConfirmation in two steps: the checks (a PIN's hashing and attempt counting included)
 * run now, on connections of their own; `useUp` then consumes the challenge and writes the
 * audit row inside the caller's transaction, so a change that is refused after the check
 * leaves the challenge usable, and no pooled connection is held while a PIN hashes.
 */
export async function checkConfirmation(
  deps: Deps,
  input: ConfirmationAnswer,
): Promise<{ useUp: (trx: Trx) => Promise<Confirmation> }> {
  const method = pickMethod(deps.security.confirmationMethods, input.method, "method");
  const challenge = await requireUsableChallenge(deps, deps.db, {
    id: input.challengeId,
    userId: input.userId,
    purpose: "confirmation",
  });
  const { confirmable } = input;
  if (challenge.object_kind !== confirmable.kind || challenge.object_id !== confirmable.id) {
    throw new AppError("CHALLENGE_MISMATCH", { detail: "This challenge was issued for something else" });
  }
  if (confirmable.payerId !== input.userId) {
    throw new AppError("CONFIRMABLE_NOT_FOUND", { detail: `Nothing of yours to confirm at ${confirmable.id}` });
  }
  if (challenge.binding_hash !== (await bindingHash(confirmable))) {
    throw new AppError("CONFIRMABLE_CHANGED", {
      detail: "The amount, currency or people changed after the challenge was issued; ask for a new one",
    });
  }
  if (!challenge.methods.includes(method.name)) {
    throw new AppError("CONFIRMATION_METHOD_NOT_ACCEPTED", {
      detail: `Confirm with one of: ${challenge.methods.join(", ")}`,
    });
  }

  const verification = await method.verify(deps, {
    userId: input.userId,
    challenge,
    context: challenge.context[method.name] ?? {},
    response: input.response,
  });
  return {
    useUp: async (t) => {
      await consumeChallenge(deps, t, challenge);
      await verification.commit?.(t);
      await recordSecurityEvent(t, deps.clock, {
        userId: input.userId,
        kind: "confirmation_succeeded",
        detail: {
          object_kind: confirmable.kind,
          object_id: confirmable.id,
          method: method.name,
          challenge_id: challenge.id,
          ...verification.detail,
        },
      });
      return { challengeId: challenge.id, method: method.name, confirmedAt: deps.clock.now() };
    },
  };
}
