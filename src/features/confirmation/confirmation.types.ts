import type { Deps } from "../../http/app-env";
import type { ChallengeMethod } from "../security/challenge-method";

/**
 * Anything a person confirms before it happens (a payment, later perhaps a request or a
 * withdrawal). A challenge is bound to exactly these fields: if any changes, it stops working.
 */
export type Confirmable = {
  /** What sort of object it is ("payment"); selects the resolver. */
  kind: string;
  id: string;
  payerId: string;
  payeeId: string;
  amountMinor: bigint;
  /** ISO 4217. */
  currency: string;
};

/** A way to confirm (`pin`, `webauthn`, a native app's device key...): a module registered at start-up. */
export type ConfirmationMethod = ChallengeMethod;

/**
 * Which of the methods this person can use right now the object accepts (e.g. only a
 * biometric for an unusual payment). Returning none refuses confirmation altogether.
 */
export type ConfirmationPolicy = (
  deps: Deps,
  input: { userId: string; confirmable: Confirmable; available: readonly string[] },
) => Promise<readonly string[]>;

/** Finds a confirmable of one kind by id, only if this person is its payer; undefined otherwise. */
export type ConfirmableResolver = (
  deps: Deps,
  input: { id: string; userId: string },
) => Promise<Confirmable | undefined>;
