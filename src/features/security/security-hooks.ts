import { cardResetProof } from "../cards/card-reset-proof";
import type { ConfirmableResolver, ConfirmationMethod, ConfirmationPolicy } from "../confirmation/confirmation.types";
import { acceptAnyAvailableMethod } from "../confirmation/confirmation-policy";
import { pinConfirmationMethod } from "../confirmation/pin-method";
import { webauthnConfirmationMethod } from "../confirmation/webauthn-method";
import { passkeyResetProof, type ResetProof } from "../pin/reset-proofs";

/**
 * The pluggable parts of confirmation and PIN reset, chosen once at start-up (src/entry/*).
 * A new confirmation method or reset proof is a module that implements ChallengeMethod and is
 * listed here; a feature whose objects need confirming registers a resolver for its kind.
 */
export type SecurityHooks = {
  /** In order of preference; the challenge lists the accepted ones in this order. */
  confirmationMethods: readonly ConfirmationMethod[];
  confirmationPolicy: ConfirmationPolicy;
  confirmables: ReadonlyMap<string, ConfirmableResolver>;
  resetProofs: readonly ResetProof[];
};

/** The built-in hooks, with any of them replaced or extended by the caller. */
export function createSecurityHooks(choices: Partial<SecurityHooks> = {}): SecurityHooks {
  const hooks: SecurityHooks = {
    confirmationMethods: [webauthnConfirmationMethod, pinConfirmationMethod],
    confirmationPolicy: acceptAnyAvailableMethod,
    confirmables: new Map(),
    resetProofs: [passkeyResetProof, cardResetProof],
    ...choices,
  };
  for (const [what, list] of [
    ["confirmation method", hooks.confirmationMethods],
    ["reset proof", hooks.resetProofs],
  ] as const) {
    const names = list.map((m) => m.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new Error(`Two ${what}s are named ${duplicate}`);
  }
  return hooks;
}
