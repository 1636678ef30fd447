import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { expect } from "vitest";
import type { Harness } from "./harness";
import {
  type CeremonyOptions,
  createSoftwareAuthenticator,
  type SoftwareAuthenticator,
} from "./software-authenticator";

export type Person = { id: string; token: string };
export type Problem = {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
  attempts_remaining?: number;
  locked_until?: string;
};

/** The origin and RP id the test configuration accepts (the local demo's defaults). */
export const TEST_ORIGIN = "http://localhost:8787";
export const TEST_RP_ID = "localhost";

export function newAuthenticator(options: { countSignatures?: boolean } = {}): SoftwareAuthenticator {
  return createSoftwareAuthenticator({ origin: TEST_ORIGIN, rpId: TEST_RP_ID, ...options });
}

export async function problemOf(res: Response): Promise<Problem> {
  expect(res.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  return (await res.json()) as Problem;
}

export async function setPin(h: Harness, person: Person, pin: string, currentPin?: string): Promise<Response> {
  return h.request("PUT", "/v1/me/pin", {
    token: person.token,
    body: currentPin === undefined ? { new_pin: pin } : { new_pin: pin, current_pin: currentPin },
  });
}

export async function registrationOptions(
  h: Harness,
  person: Person,
): Promise<{ challenge_id: string; expires_at: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const res = await h.request("POST", "/v1/me/devices/registration-options", { token: person.token });
  expect(res.status).toBe(201);
  return (await res.json()) as {
    challenge_id: string;
    expires_at: string;
    options: PublicKeyCredentialCreationOptionsJSON;
  };
}

/** Registers a passkey held by the software authenticator; returns the device id. */
export async function registerPasskey(
  h: Harness,
  person: Person,
  authenticator: SoftwareAuthenticator,
  ceremony: CeremonyOptions = {},
  name = "Test phone",
): Promise<string> {
  const { challenge_id, options } = await registrationOptions(h, person);
  const credential = await authenticator.register(options, ceremony);
  const res = await h.request("POST", "/v1/me/devices", {
    token: person.token,
    body: { challenge_id, name, credential },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
