import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from "@simplewebauthn/server";
import type { WebauthnCredential } from "../../../db/schema";
import type { Deps, FreshChallenge } from "../../deps";
import type { Trx } from "../../platform/db";
import { CHALLENGE_TTL_MS, challengeMatches } from "../security";
import { findDeviceByCredentialId, recordDeviceUse } from "./devices.repository";
import { webauthnFailure } from "./webauthn";

/** WebAuthn request options over this person's passkeys, answering the given challenge; user verification required. */
export async function assertionOptions(
  deps: Pick<Deps, "config">,
  devices: readonly Pick<WebauthnCredential, "credential_id" | "transports">[],
  challenge: FreshChallenge,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: deps.config.webauthn.rpId,
    allowCredentials: devices.map((d) => ({ id: d.credential_id, transports: d.transports })),
    challenge: challenge.bytes,
    timeout: CHALLENGE_TTL_MS,
    userVerification: "required",
  });
}

/**
 * Verifies an assertion by one of this person's passkeys over the stored challenge (origin,
 * RP id, user presence and verification, signature, counter). The returned commit records the
 * new counter; run it in the transaction that uses the challenge up.
 */
export async function verifyAssertion(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; credential: AuthenticationResponseJSON; challengeHash: string },
): Promise<{ deviceId: string; commit: (trx: Trx) => Promise<void> }> {
  const device = await findDeviceByCredentialId(deps.db, input.userId, input.credential.id);
  if (!device) throw webauthnFailure(new Error("unknown credential for this RP ID"));
  const { webauthn } = deps.config;
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response: input.credential,
      expectedChallenge: (value) => challengeMatches(value, input.challengeHash),
      expectedOrigin: webauthn.origins,
      expectedRPID: webauthn.rpId,
      credential: {
        id: device.credential_id,
        publicKey: new Uint8Array(device.public_key),
        counter: Number(device.counter),
        transports: device.transports,
      },
      requireUserVerification: true,
    });
  } catch (cause) {
    throw webauthnFailure(cause);
  }
  if (!result.verified) throw webauthnFailure();
  const newCounter = result.authenticationInfo.newCounter;
  return {
    deviceId: device.id,
    commit: (trx) => recordDeviceUse(trx, device.id, newCounter, deps.clock.now()),
  };
}
