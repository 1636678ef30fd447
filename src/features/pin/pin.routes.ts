import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { beginPinReset } from "./begin-pin-reset";
import { getPinStatus } from "./get-pin-status";
import {
  BeginPinResetBody,
  PinResetChallenge,
  PinStatus,
  pinProblemResponse,
  ResetPinBody,
  SetPinBody,
  toPinStatusDto,
} from "./pin.schemas";
import { resetPin } from "./reset-pin";
import { setPin } from "./set-pin";

const get = createRoute({
  method: "get",
  path: "/v1/me/pin",
  tags: ["PIN"],
  operationId: "getPinStatus",
  summary: "Whether you have a payment PIN, and whether it is locked",
  security: bearerSecurity,
  responses: {
    200: { description: "Your PIN's state (never the PIN)", content: json(PinStatus) },
  },
});

const put = createRoute({
  method: "put",
  path: "/v1/me/pin",
  tags: ["PIN"],
  operationId: "setPin",
  summary: "Set your payment PIN, or change it with the current one",
  security: bearerSecurity,
  request: { body: { required: true, content: json(SetPinBody) } },
  responses: {
    200: { description: "PIN changed", content: json(PinStatus) },
    201: { description: "PIN set", content: json(PinStatus) },
    ...problemResponses(409),
    422: pinProblemResponse("Invalid or too weak PIN, or the current PIN is wrong (see attempts_remaining)"),
    423: pinProblemResponse("PIN locked (Retry-After) or disabled until reset"),
    429: pinProblemResponse("Too many PIN checks in progress (Retry-After)"),
  },
});

const beginReset = createRoute({
  method: "post",
  path: "/v1/me/pin/reset-challenges",
  tags: ["PIN"],
  operationId: "beginPinReset",
  summary: "Start a PIN reset: a 5-minute challenge to answer with a proof of possession (passkey)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(BeginPinResetBody) } },
  responses: {
    201: { description: "Answer the challenge with the chosen proof", content: json(PinResetChallenge) },
    ...problemResponses(409, 429),
  },
});

const reset = createRoute({
  method: "post",
  path: "/v1/me/pin/reset",
  tags: ["PIN"],
  operationId: "resetPin",
  summary: "Set a new PIN with a proof of possession; limits are reduced for 24 hours",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(ResetPinBody) } },
  responses: {
    200: { description: "New PIN set; lock and disable cleared", content: json(PinStatus) },
    ...problemResponses(404, 409, 422, 429),
  },
});

export const pinRoutes = createRouter()
  .openapi(get, async (c) => {
    const status = await getPinStatus(c.get("deps"), { userId: c.get("userId") });
    return c.json(toPinStatusDto(status), 200);
  })
  .openapi(put, async (c) => {
    const body = c.req.valid("json");
    const { created, status } = await setPin(c.get("deps"), {
      userId: c.get("userId"),
      newPin: body.new_pin,
      currentPin: body.current_pin,
    });
    return c.json(toPinStatusDto(status), created ? 201 : 200);
  })
  .openapi(beginReset, async (c) => {
    const result = await beginPinReset(c.get("deps"), { userId: c.get("userId"), proof: c.req.valid("json").proof });
    return c.json(
      {
        challenge_id: result.challengeId,
        proof: result.proof,
        expires_at: result.expiresAt.toISOString(),
        prompt: result.prompt,
      },
      201,
    );
  })
  .openapi(reset, async (c) => {
    const body = c.req.valid("json");
    const status = await resetPin(c.get("deps"), {
      userId: c.get("userId"),
      challengeId: body.challenge_id,
      newPin: body.new_pin,
      response: body.response,
    });
    return c.json(toPinStatusDto(status), 200);
  });
