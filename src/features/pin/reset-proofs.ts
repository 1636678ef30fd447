import { passkeyMethod } from "../devices/passkey-method";
import type { ChallengeMethod } from "../security/challenge-method";

/**
 * A proof of possession that lets a person who forgot their PIN (or disabled it) set a new one.
 * `passkey` answers a fresh reset challenge with a registered passkey; a `card` proof (a fresh
 * SetupIntent whose card fingerprint matches an enrolled card) plugs in the same way: begin
 * creates the SetupIntent and keeps its id in the challenge context, verify checks it.
 */
export type ResetProof = ChallengeMethod;

export const passkeyResetProof: ResetProof = passkeyMethod("passkey");
