/**
 * WebAuthn in the browser: the server speaks JSON (base64url strings, as
 * `PublicKeyCredentialCreationOptionsJSON` / `...RequestOptionsJSON` and `toJSON()` in WebAuthn
 * Level 3); navigator.credentials wants and returns ArrayBuffers. These few conversions are all
 * a dependency would add.
 */

export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replaceAll("-", "+")
    .replaceAll("_", "/")
    .padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64Url(buffer: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    buffer instanceof ArrayBuffer
      ? new Uint8Array(buffer)
      : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

type CredentialDescriptorJson = { id: string; type: string; transports?: string[] };

export type CreationOptionsJson = {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: { type: string; alg: number }[];
  timeout?: number;
  excludeCredentials?: CredentialDescriptorJson[];
  authenticatorSelection?: AuthenticatorSelectionCriteria;
  attestation?: AttestationConveyancePreference;
  extensions?: AuthenticationExtensionsClientInputs;
};

export type RequestOptionsJson = {
  challenge: string;
  rpId?: string;
  timeout?: number;
  allowCredentials?: CredentialDescriptorJson[];
  userVerification?: UserVerificationRequirement;
  extensions?: AuthenticationExtensionsClientInputs;
};

const descriptor = (d: CredentialDescriptorJson): PublicKeyCredentialDescriptor => ({
  id: base64UrlToBytes(d.id),
  type: "public-key",
  ...(d.transports ? { transports: d.transports as AuthenticatorTransport[] } : {}),
});

export function toCreationOptions(json: CreationOptionsJson): PublicKeyCredentialCreationOptions {
  return {
    challenge: base64UrlToBytes(json.challenge),
    rp: json.rp,
    user: { id: base64UrlToBytes(json.user.id), name: json.user.name, displayName: json.user.displayName },
    pubKeyCredParams: json.pubKeyCredParams.map((p) => ({ type: "public-key", alg: p.alg })),
    ...(json.timeout !== undefined ? { timeout: json.timeout } : {}),
    excludeCredentials: (json.excludeCredentials ?? []).map(descriptor),
    ...(json.authenticatorSelection ? { authenticatorSelection: json.authenticatorSelection } : {}),
    ...(json.attestation ? { attestation: json.attestation } : {}),
    ...(json.extensions ? { extensions: json.extensions } : {}),
  };
}

export function toRequestOptions(json: RequestOptionsJson): PublicKeyCredentialRequestOptions {
  return {
    challenge: base64UrlToBytes(json.challenge),
    ...(json.rpId ? { rpId: json.rpId } : {}),
    ...(json.timeout !== undefined ? { timeout: json.timeout } : {}),
    allowCredentials: (json.allowCredentials ?? []).map(descriptor),
    ...(json.userVerification ? { userVerification: json.userVerification } : {}),
    ...(json.extensions ? { extensions: json.extensions } : {}),
  };
}

export type RegistrationJson = {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; attestationObject: string; transports?: string[] };
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment?: string;
};

export type AssertionJson = {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment?: string;
};

/** What registration and assertion JSON share: the credential's ids, extension results and attachment. */
const credentialJson = (credential: PublicKeyCredential) => ({
  id: credential.id,
  rawId: bytesToBase64Url(credential.rawId),
  type: "public-key" as const,
  clientExtensionResults: { ...credential.getClientExtensionResults() },
  ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
});

export function registrationToJson(credential: PublicKeyCredential): RegistrationJson {
  const response = credential.response as AuthenticatorAttestationResponse;
  return {
    ...credentialJson(credential),
    response: {
      clientDataJSON: bytesToBase64Url(response.clientDataJSON),
      attestationObject: bytesToBase64Url(response.attestationObject),
      ...(typeof response.getTransports === "function" ? { transports: response.getTransports() } : {}),
    },
  };
}

export function assertionToJson(credential: PublicKeyCredential): AssertionJson {
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    ...credentialJson(credential),
    response: {
      clientDataJSON: bytesToBase64Url(response.clientDataJSON),
      authenticatorData: bytesToBase64Url(response.authenticatorData),
      signature: bytesToBase64Url(response.signature),
      ...(response.userHandle ? { userHandle: bytesToBase64Url(response.userHandle) } : {}),
    },
  };
}

/**
 * Whether this page can use a passkey with a biometric: the API exists, the origin is one the
 * server accepts (browsers refuse IP addresses such as 127.0.0.1), and a user-verifying
 * platform authenticator (Touch ID, Windows Hello, Android) is there.
 */
export async function passkeysAvailable(acceptedOrigins: string[]): Promise<boolean> {
  if (!acceptedOrigins.includes(location.origin)) return false;
  if (typeof PublicKeyCredential === "undefined" || !window.isSecureContext) return false;
  try {
    return await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable();
  } catch {
    return false;
  }
}

/** A readable reason for what navigator.credentials threw (the person mostly just cancelled). */
export function webauthnErrorMessage(err: unknown): string {
  if (err instanceof DOMException) {
    if (err.name === "NotAllowedError") return "The biometric prompt was cancelled or timed out.";
    if (err.name === "InvalidStateError") return "This device already has a passkey for your account.";
    if (err.name === "SecurityError") return "Passkeys do not work at this address; open the app at http://localhost.";
    if (err.name === "NotSupportedError") return "This device has no passkey support.";
  }
  return err instanceof Error ? err.message : "The passkey did not work.";
}
