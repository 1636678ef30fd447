import { generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { CHALLENGE_TTL_MS, newChallenge, storeChallenge } from "../security";
import { findKnownUsers } from "../users";
import { listDevicesForUser } from "./devices.repository";
import { SUPPORTED_ALGORITHM_IDS } from "./webauthn";

/** Passkeys one person may register. */
export const DEVICES_PER_USER_MAX = 10;

/** Issues WebAuthn creation options with a fresh single-use challenge; user verification is required. */
export async function beginDeviceRegistration(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string },
): Promise<{ challengeId: string; expiresAt: Date; options: PublicKeyCredentialCreationOptionsJSON }> {
  const devices = await listDevicesForUser(deps.db, input.userId);
  if (devices.length >= DEVICES_PER_USER_MAX) {
    throw new AppError("DEVICE_LIMIT_REACHED", { detail: `Remove a device first (at most ${DEVICES_PER_USER_MAX})` });
  }
  const [user] = await findKnownUsers(deps.db, [input.userId]);
  const fresh = await newChallenge();
  const { webauthn } = deps.config;
  const options = await generateRegistrationOptions({
    rpName: webauthn.rpName,
    rpID: webauthn.rpId,
    // The user handle is our opaque id (no personal data); it lets authenticators replace a passkey for the same person.
    userID: new TextEncoder().encode(input.userId),
    userName: user?.handle ?? input.userId,
    userDisplayName: user?.display_name ?? "",
    challenge: fresh.bytes,
    timeout: CHALLENGE_TTL_MS,
    attestationType: "none",
    excludeCredentials: devices.map((d) => ({ id: d.credential_id, transports: d.transports })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
  });
  const stored = await storeChallenge(deps, { userId: input.userId, purpose: "device_registration", fresh });
  return { challengeId: stored.id, expiresAt: stored.expiresAt, options };
}
