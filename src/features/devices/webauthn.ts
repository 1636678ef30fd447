import { AppError } from "../../errors";

/** EdDSA, ES256, RS256: what platform authenticators and security keys use. */
export const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];

const REASONS: [RegExp, string][] = [
  [/origin/i, "The response came from an origin this service does not accept"],
  [/user verification/i, "User verification (biometric or device PIN) is required"],
  [/user (was )?not present|user presence/i, "User presence is required"],
  [/challenge/i, "The response does not answer this challenge"],
  [/RP ID/i, "The credential belongs to another relying party"],
  [/counter/i, "The authenticator's signature counter went backwards; it may be cloned"],
  [/alg/i, "The credential uses an algorithm this service does not accept"],
  [/type/i, "The response is not of the expected kind"],
];

/**
 * Library messages can quote the challenge and other values; clients get one of a few fixed
 * reasons instead, so nothing a client did not send comes back to it.
 */
export function webauthnFailure(cause?: unknown): AppError {
  const message = cause instanceof Error ? cause.message : "";
  const reason = REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? "The signature or its data do not verify";
  return new AppError("WEBAUTHN_VERIFICATION_FAILED", { detail: reason, cause });
}
