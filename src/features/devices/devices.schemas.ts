import { z } from "@hono/zod-openapi";
import type { WebauthnCredential } from "../../../db/schema";
import { idParams, ownId, typedText } from "../../http/fields";

export const DEVICE_NAME_MAX = 64;
export const DEFAULT_DEVICE_NAME = "Passkey";
/** Credential ids are at most 1023 bytes (WebAuthn L3), i.e. 1364 base64url characters. */
const CREDENTIAL_ID_MAX = 1366;
/** Well under the 16 KiB body limit; attestation objects with certificate chains fit. */
const ENCODED_FIELD_MAX = 12_000;

const base64Url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "must be base64url")
    .max(max);
export const KNOWN_TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;

export const DeviceParams = idParams("dev");

/**
 * What `PublicKeyCredential.toJSON()` gives the browser. Unlike our own bodies, unknown members
 * are allowed here: browsers add fields to this structure, and the signature covers what matters.
 */
export const RegistrationCredential = z
  .looseObject({
    id: base64Url(CREDENTIAL_ID_MAX),
    rawId: base64Url(CREDENTIAL_ID_MAX),
    type: z.literal("public-key"),
    response: z.looseObject({
      clientDataJSON: base64Url(ENCODED_FIELD_MAX),
      attestationObject: base64Url(ENCODED_FIELD_MAX),
      transports: z.array(z.string().max(32)).max(16).optional(),
    }),
    clientExtensionResults: z.looseObject({}).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .openapi("RegistrationCredential", { description: "navigator.credentials.create(...).toJSON()" });

export const AssertionCredential = z
  .looseObject({
    id: base64Url(CREDENTIAL_ID_MAX),
    rawId: base64Url(CREDENTIAL_ID_MAX),
    type: z.literal("public-key"),
    response: z.looseObject({
      clientDataJSON: base64Url(ENCODED_FIELD_MAX),
      authenticatorData: base64Url(ENCODED_FIELD_MAX),
      signature: base64Url(ENCODED_FIELD_MAX),
      userHandle: base64Url(ENCODED_FIELD_MAX).optional(),
    }),
    clientExtensionResults: z.looseObject({}).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .openapi("AssertionCredential", { description: "navigator.credentials.get(...).toJSON()" });

export const RegistrationOptions = z
  .object({
    challenge_id: z.string(),
    expires_at: z.string().openapi({ format: "date-time" }),
    options: z
      .looseObject({ challenge: z.string() })
      .openapi({ description: "PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create" }),
  })
  .openapi("DeviceRegistrationOptions");

export const RegisterDeviceBody = z
  .strictObject({
    challenge_id: ownId("chl"),
    name: typedText({ min: 1, max: DEVICE_NAME_MAX }).optional().openapi({ example: "Alice's phone" }),
    credential: RegistrationCredential,
  })
  .openapi("RegisterDeviceRequest");

export const Device = z
  .object({
    id: z.string().openapi({ example: "dev_3kq0c8m5x2v9t1r7p4n6b0a2zd" }),
    name: z.string(),
    transports: z.array(z.string()),
    backed_up: z.boolean().openapi({ description: "A synced passkey (iCloud Keychain, Google Password Manager...)" }),
    created_at: z.string().openapi({ format: "date-time" }),
    last_used_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Device");

export const DeviceList = z.object({ items: z.array(Device) }).openapi("DeviceList");

export function toDeviceDto(device: WebauthnCredential): z.infer<typeof Device> {
  return {
    id: device.id,
    name: device.name,
    transports: device.transports,
    backed_up: device.backed_up,
    created_at: device.created_at.toISOString(),
    last_used_at: device.last_used_at?.toISOString() ?? null,
  };
}
