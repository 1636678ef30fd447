import { z } from "@hono/zod-openapi";
import { ownId } from "../../http/fields";
import { PROBLEM_CONTENT_TYPE } from "../../http/problem";
import { Problem } from "../../http/router";
import type { PinStatus as PinStatusResult } from "./get-pin-status";
import { PIN_LENGTH, PIN_PATTERN } from "./pin-rules";

const Pin = z.string().regex(PIN_PATTERN, `must be exactly ${PIN_LENGTH} digits`);

export const SetPinBody = z
  .strictObject({
    new_pin: Pin.openapi({ example: "480917" }),
    current_pin: Pin.optional().openapi({ description: "Required to change an existing PIN" }),
  })
  .openapi("SetPinRequest");

export const PinStatus = z
  .object({
    state: z.enum(["not_set", "active", "locked", "disabled"]),
    attempts_remaining: z
      .number()
      .int()
      .openapi({ description: "Wrong PINs that may be tried now before the next lock (or the disable)" }),
    locked_until: z.string().nullable().openapi({ format: "date-time" }),
    updated_at: z.string().nullable().openapi({ format: "date-time" }),
    reset_at: z.string().nullable().openapi({ format: "date-time" }),
    reduced_limits_until: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "Payments have reduced limits until then, after a PIN reset" }),
  })
  .openapi("PinStatus");

export const BeginPinResetBody = z
  .strictObject({ proof: z.string().min(1).max(32).openapi({ example: "passkey" }) })
  .openapi("BeginPinResetRequest");

export const PinResetChallenge = z
  .object({
    challenge_id: z.string(),
    proof: z.string(),
    expires_at: z.string().openapi({ format: "date-time" }),
    prompt: z.looseObject({}).openapi({
      description: "What the client needs for this proof; passkey: `options` for navigator.credentials.get",
    }),
  })
  .openapi("PinResetChallenge");

export const ResetPinBody = z
  .strictObject({
    challenge_id: ownId("chl"),
    new_pin: Pin.openapi({ example: "480917" }),
    response: z
      .looseObject({})
      .openapi({ description: "The proof's answer; passkey: `{ credential }` from navigator.credentials.get" }),
  })
  .openapi("ResetPinRequest");

/** A problem that also says how many wrong PINs may still be tried, and until when a lock holds. */
export const PinProblem = Problem.extend({
  attempts_remaining: z.number().int().optional(),
  locked_until: z.string().optional().openapi({ format: "date-time" }),
}).openapi("PinProblem");

export const pinProblemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: PinProblem } },
});

export function toPinStatusDto(status: PinStatusResult): z.infer<typeof PinStatus> {
  return {
    state: status.state,
    attempts_remaining: status.attemptsRemaining,
    locked_until: status.lockedUntil?.toISOString() ?? null,
    updated_at: status.updatedAt?.toISOString() ?? null,
    reset_at: status.resetAt?.toISOString() ?? null,
    reduced_limits_until: status.reducedLimitsUntil?.toISOString() ?? null,
  };
}
