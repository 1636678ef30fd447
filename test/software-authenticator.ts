import type { webcrypto } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

/**
 * A WebAuthn authenticator in software, for tests and benchmarks: real P-256 keys (WebCrypto),
 * real "none" attestation objects (CBOR), real assertion signatures over
 * authenticatorData || SHA-256(clientDataJSON). Every knob a test needs to produce a bad
 * response (no user verification, another origin, another challenge) is an option.
 */

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKED_UP = 0x10;
const FLAG_ATTESTED_CREDENTIAL = 0x40;
const COSE_ALG_ES256 = -7;
const CREDENTIAL_ID_BYTES = 16;
const AAGUID_BYTES = 16;

export type CeremonyOptions = {
  /** Defaults to the authenticator's origin. */
  origin?: string;
  /** Defaults to the options' challenge. */
  challenge?: string;
  /** Defaults to the options' RP id (or the authenticator's). */
  rpId?: string;
  userPresent?: boolean;
  userVerified?: boolean;
};

type StoredCredential = { id: string; keys: webcrypto.CryptoKeyPair; counter: number; userHandle: string | undefined };

export type SoftwareAuthenticator = {
  /** Answers navigator.credentials.create(options) the way a platform authenticator would. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    ceremony?: CeremonyOptions,
  ): Promise<RegistrationResponseJSON>;
  /** Answers navigator.credentials.get(options) with the first allowed credential it holds (or `credentialId`). */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    ceremony?: CeremonyOptions & { credentialId?: string },
  ): Promise<AuthenticationResponseJSON>;
  credentialIds(): string[];
};

export function createSoftwareAuthenticator(settings: {
  origin: string;
  rpId: string;
  /** Synced passkeys often keep the counter at 0; hardware keys count up. */
  countSignatures?: boolean;
  backedUp?: boolean;
}): SoftwareAuthenticator {
  const credentials = new Map<string, StoredCredential>();
  const backupFlags = settings.backedUp ? FLAG_BACKUP_ELIGIBLE | FLAG_BACKED_UP : 0;

  const flagsFor = (ceremony: CeremonyOptions) =>
    ((ceremony.userPresent ?? true) ? FLAG_USER_PRESENT : 0) |
    ((ceremony.userVerified ?? true) ? FLAG_USER_VERIFIED : 0) |
    backupFlags;

  const clientData = (type: string, challenge: string, ceremony: CeremonyOptions) =>
    utf8(
      JSON.stringify({
        type,
        challenge: ceremony.challenge ?? challenge,
        origin: ceremony.origin ?? settings.origin,
        crossOrigin: false,
      }),
    );

  return {
    async register(options, ceremony = {}) {
      const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
      const idBytes = crypto.getRandomValues(new Uint8Array(CREDENTIAL_ID_BYTES));
      const id = toBase64Url(idBytes);
      const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
      const coseKey = new Map<CborValue, CborValue>([
        [1, 2], // kty: EC2
        [3, COSE_ALG_ES256],
        [-1, 1], // crv: P-256
        [-2, fromBase64Url(jwk.x ?? "")],
        [-3, fromBase64Url(jwk.y ?? "")],
      ]);
      const rpId = ceremony.rpId ?? options.rp.id ?? settings.rpId;
      const attestedCredential = concat(
        new Uint8Array(AAGUID_BYTES),
        uint16(idBytes.length),
        idBytes,
        encodeCbor(coseKey),
      );
      const authData = concat(
        await sha256(utf8(rpId)),
        Uint8Array.of(flagsFor(ceremony) | FLAG_ATTESTED_CREDENTIAL),
        uint32(0),
        attestedCredential,
      );
      const attestationObject = encodeCbor(
        new Map<CborValue, CborValue>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]),
      );
      credentials.set(id, { id, keys, counter: 0, userHandle: options.user.id });
      return {
        id,
        rawId: id,
        type: "public-key",
        response: {
          clientDataJSON: toBase64Url(clientData("webauthn.create", options.challenge, ceremony)),
          attestationObject: toBase64Url(attestationObject),
          transports: ["internal", "hybrid"],
        },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      };
    },

    async assert(options, ceremony = {}) {
      const allowed = options.allowCredentials?.map((c) => c.id);
      const id =
        ceremony.credentialId ?? [...credentials.keys()].find((candidate) => !allowed || allowed.includes(candidate));
      const credential = id === undefined ? undefined : credentials.get(id);
      if (!credential) throw new Error("software authenticator holds no allowed credential");
      if (settings.countSignatures) credential.counter += 1;
      const rpId = ceremony.rpId ?? options.rpId ?? settings.rpId;
      const authData = concat(await sha256(utf8(rpId)), Uint8Array.of(flagsFor(ceremony)), uint32(credential.counter));
      const clientDataJSON = clientData("webauthn.get", options.challenge, ceremony);
      const signed = concat(authData, await sha256(clientDataJSON));
      const raw = new Uint8Array(
        await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.keys.privateKey, signed),
      );
      return {
        id: credential.id,
        rawId: credential.id,
        type: "public-key",
        response: {
          clientDataJSON: toBase64Url(clientDataJSON),
          authenticatorData: toBase64Url(authData),
          signature: toBase64Url(derSignature(raw)),
          ...(credential.userHandle ? { userHandle: credential.userHandle } : {}),
        },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      };
    },

    credentialIds: () => [...credentials.keys()],
  };
}

/** The subset of CBOR (RFC 8949) WebAuthn needs: integers, byte and text strings, arrays, maps; definite lengths. */
export type CborValue = number | string | Uint8Array | CborValue[] | Map<CborValue, CborValue>;

export function encodeCbor(value: CborValue): Uint8Array {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error("CBOR encoder handles integers only");
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === "string") {
    const bytes = utf8(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  if (Array.isArray(value)) return concat(head(4, value.length), ...value.map(encodeCbor));
  const entries = [...value.entries()].flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)]);
  return concat(head(5, value.size), ...entries);
}

function head(major: number, length: number): Uint8Array {
  const type = major << 5;
  if (length < 24) return Uint8Array.of(type | length);
  if (length < 0x100) return Uint8Array.of(type | 24, length);
  if (length < 0x10000) return concat(Uint8Array.of(type | 25), uint16(length));
  if (length < 0x100000000) return concat(Uint8Array.of(type | 26), uint32(length));
  throw new Error("CBOR value too long");
}

/** WebCrypto signs ECDSA as r || s; WebAuthn wants an ASN.1 DER SEQUENCE of two INTEGERs. */
function derSignature(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let body = bytes.slice(start);
    if ((body[0] ?? 0) & 0x80) body = concat(Uint8Array.of(0), body);
    return concat(Uint8Array.of(0x02, body.length), body);
  };
  const sequence = concat(integer(raw.slice(0, half)), integer(raw.slice(half)));
  return concat(Uint8Array.of(0x30, sequence.length), sequence);
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const uint16 = (n: number) => Uint8Array.of((n >> 8) & 0xff, n & 0xff);
const uint32 = (n: number) => Uint8Array.of((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

export function fromBase64Url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}
