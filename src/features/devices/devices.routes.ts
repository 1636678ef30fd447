import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { beginDeviceRegistration } from "./begin-device-registration";
import {
  Device,
  DeviceList,
  DeviceParams,
  RegisterDeviceBody,
  RegistrationOptions,
  toDeviceDto,
} from "./devices.schemas";
import { listDevices } from "./list-devices";
import { registerDevice } from "./register-device";
import { removeDevice } from "./remove-device";

const options = createRoute({
  method: "post",
  path: "/v1/me/devices/registration-options",
  tags: ["Devices"],
  operationId: "beginDeviceRegistration",
  summary: "Start registering a passkey: WebAuthn creation options with a 5-minute challenge",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader },
  responses: {
    201: { description: "Pass `options` to navigator.credentials.create", content: json(RegistrationOptions) },
    ...problemResponses(422, 429),
  },
});

const register = createRoute({
  method: "post",
  path: "/v1/me/devices",
  tags: ["Devices"],
  operationId: "registerDevice",
  summary: "Register a passkey (attestation with user verification)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(RegisterDeviceBody) } },
  responses: {
    201: { description: "Passkey registered", content: json(Device) },
    ...problemResponses(404, 409, 422),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/me/devices",
  tags: ["Devices"],
  operationId: "listDevices",
  summary: "Your passkeys",
  security: bearerSecurity,
  responses: { 200: { description: "Your passkeys, oldest first", content: json(DeviceList) } },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/me/devices/{id}",
  tags: ["Devices"],
  operationId: "removeDevice",
  summary: "Remove one of your passkeys",
  security: bearerSecurity,
  request: { params: DeviceParams },
  responses: { 204: { description: "Removed" }, ...problemResponses(404) },
});

export const devicesRoutes = createRouter()
  .openapi(options, async (c) => {
    const result = await beginDeviceRegistration(c.get("deps"), { userId: c.get("userId") });
    return c.json(
      { challenge_id: result.challengeId, expires_at: result.expiresAt.toISOString(), options: result.options },
      201,
    );
  })
  .openapi(register, async (c) => {
    const body = c.req.valid("json");
    const device = await registerDevice(c.get("deps"), {
      userId: c.get("userId"),
      challengeId: body.challenge_id,
      name: body.name,
      credential: body.credential,
    });
    return c.json(toDeviceDto(device), 201);
  })
  .openapi(list, async (c) => {
    const devices = await listDevices(c.get("deps"), { userId: c.get("userId") });
    return c.json({ items: devices.map(toDeviceDto) }, 200);
  })
  .openapi(remove, async (c) => {
    await removeDevice(c.get("deps"), { userId: c.get("userId"), deviceId: c.req.valid("param").id });
    return c.body(null, 204);
  });
