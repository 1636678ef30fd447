import { type RegistrationResponseJSON, verifyRegistrationResponse } from "@simplewebauthn/server";
import type { WebauthnCredential } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { challengeMatches, consumeChallenge, recordSecurityEvent, requireUsableChallenge } from "../security";
import { DEVICES_PER_USER_MAX } from "./begin-device-registration";
import { countDevices, insertDeviceIfAbsent, lockDevicesOf } from "./devices.repository";
import { DEFAULT_DEVICE_NAME, KNOWN_TRANSPORTS } from "./devices.schemas";
import { SUPPORTED_ALGORITHM_IDS, webauthnFailure } from "./webauthn";

/** Verifies a WebAuthn attestation against the registration challenge and stores the passkey. */
export async function registerDevice(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; challengeId: string; name: string | undefined; credential: RegistrationResponseJSON },
): Promise<WebauthnCredential> {
  const challenge = await requireUsableChallenge(deps, deps.db, {
    id: input.challengeId,
    userId: input.userId,
    purpose: "device_registration",
  });
  const { webauthn } = deps.config;
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: input.credential,
      expectedChallenge: (value) => challengeMatches(value, challenge.challenge_hash),
      expectedOrigin: webauthn.origins,
      expectedRPID: webauthn.rpId,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
    });
  } catch (cause) {
    throw webauthnFailure(cause);
  }
  if (!verification.verified) throw webauthnFailure();
  const info = verification.registrationInfo;
  const transports = (input.credential.response.transports ?? []).filter((t): t is (typeof KNOWN_TRANSPORTS)[number] =>
    (KNOWN_TRANSPORTS as readonly string[]).includes(t),
  );

  return withTransaction(deps.db, async (trx) => {
    await consumeChallenge(deps, trx, challenge);
    await lockDevicesOf(trx, input.userId);
    if ((await countDevices(trx, input.userId)) >= DEVICES_PER_USER_MAX) {
      throw new AppError("DEVICE_LIMIT_REACHED", { detail: `Remove a device first (at most ${DEVICES_PER_USER_MAX})` });
    }
    const device = await insertDeviceIfAbsent(trx, {
      id: newId("dev"),
      user_id: input.userId,
      credential_id: info.credential.id,
      public_key: info.credential.publicKey,
      counter: BigInt(info.credential.counter),
      transports,
      aaguid: info.aaguid,
      backed_up: info.credentialBackedUp,
      name: input.name ?? DEFAULT_DEVICE_NAME,
      created_at: deps.clock.now(),
    });
    if (!device) throw new AppError("DEVICE_ALREADY_REGISTERED", { detail: "Each passkey can be registered once" });
    await recordSecurityEvent(trx, deps.clock, {
      userId: input.userId,
      kind: "device_added",
      detail: { device_id: device.id, name: device.name, backed_up: device.backed_up },
    });
    return device;
  });
}
