import { z } from "@hono/zod-openapi";
import type { ChallengeMethod } from "../../deps";
import { parseMethodResponse } from "../security";
import { hasUsablePin } from "./get-pin-status";
import { PIN_LENGTH, PIN_PATTERN } from "./pin-rules";
import { verifyPin } from "./verify-pin";

const PinResponse = z.strictObject({ pin: z.string().regex(PIN_PATTERN, `must be exactly ${PIN_LENGTH} digits`) });

/** Confirming with the payment PIN, under the PIN's lockout rules; the client shows a PIN pad. */
export const pinConfirmationMethod: ChallengeMethod = {
  name: "pin",
  slow: true,
  availableTo: async (deps, userId) => ((await hasUsablePin(deps, userId)) ? async () => ({}) : undefined),
  async verify(deps, input) {
    const { pin } = parseMethodResponse(PinResponse, input.response, "response");
    await verifyPin(deps, { userId: input.userId, pin, purpose: "confirmation" });
    return { detail: {} };
  },
};
