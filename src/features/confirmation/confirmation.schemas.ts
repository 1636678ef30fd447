import { z } from "@hono/zod-openapi";
import { ownId } from "../../http/fields";
import type { IssuedConfirmationChallenge } from "./issue-confirmation-challenge";

/**
 * Request and response shapes for the route that confirms an object (the payment flow's
 * `POST /v1/payments/{id}/confirmation`), kept here so every confirmable speaks the same way.
 */
export const ConfirmationChallenge = z
  .object({
    challenge_id: z.string(),
    expires_at: z.string().openapi({ format: "date-time" }),
    methods: z
      .array(
        z.object({
          method: z.string().openapi({ example: "webauthn" }),
          prompt: z
            .looseObject({})
            .openapi({ description: "webauthn: `options` for navigator.credentials.get; pin: nothing" }),
        }),
      )
      .openapi({ description: "Accepted methods, preferred first" }),
  })
  .openapi("ConfirmationChallenge");

export const ConfirmBody = z
  .strictObject({
    challenge_id: ownId("chl"),
    method: z.string().min(1).max(32).openapi({ example: "pin" }),
    response: z
      .looseObject({})
      .openapi({ description: "pin: `{ pin }`; webauthn: `{ credential }` from navigator.credentials.get" }),
  })
  .openapi("ConfirmRequest");

export function toConfirmationChallengeDto(issued: IssuedConfirmationChallenge): z.infer<typeof ConfirmationChallenge> {
  return {
    challenge_id: issued.challengeId,
    expires_at: issued.expiresAt.toISOString(),
    methods: issued.methods.map((m) => ({ method: m.name, prompt: m.prompt })),
  };
}
