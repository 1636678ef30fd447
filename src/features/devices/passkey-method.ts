import { z } from "@hono/zod-openapi";
import type { ChallengeMethod } from "../../deps";
import { parseMethodResponse } from "../security";
import { listDevicesForUser } from "./devices.repository";
import { AssertionCredential } from "./devices.schemas";
import { assertionOptions, verifyAssertion } from "./verify-assertion";

const PasskeyResponse = z.strictObject({ credential: AssertionCredential });

/**
 * Answering a challenge with a WebAuthn assertion from a registered passkey. The same module
 * serves as the `webauthn` confirmation method and as the `passkey` PIN-reset proof.
 */
export function passkeyMethod(name: string): ChallengeMethod {
  return {
    name,
    async availableTo(deps, userId) {
      const devices = await listDevicesForUser(deps.db, userId);
      if (devices.length === 0) return undefined;
      return async (challenge) => ({ prompt: { options: await assertionOptions(deps, devices, challenge) } });
    },
    async verify(deps, input) {
      const { credential } = parseMethodResponse(PasskeyResponse, input.response, "response");
      const verified = await verifyAssertion(deps, {
        userId: input.userId,
        credential,
        challengeHash: input.challenge.challenge_hash,
      });
      return { detail: { device_id: verified.deviceId }, commit: verified.commit };
    },
  };
}
