import type { Config } from "../../config";
import { AppError } from "../../errors";
import { toHex } from "../../platform/hex";

/** What a link's OAuth material looks like at rest: AES-256-GCM under one key of the keyring. */
export type SealedSecret = { key_id: string; iv: Uint8Array<ArrayBuffer>; ciphertext: Uint8Array<ArrayBuffer> };

const IV_BYTES = 12;
const KEY_ID_HEX_LENGTH = 16;

const encoder = new TextEncoder();

type VaultKey = { id: string; key: Awaited<ReturnType<typeof crypto.subtle.importKey>> };

/**
 * Each BANK_TOKEN_KEYS entry is a secret of at least 32 characters; its AES key is its SHA-256
 * and its id a fingerprint of that, stored with each ciphertext so any listed key can open what
 * it sealed. Derived once per keyring.
 */
const keyrings = new WeakMap<readonly string[], Promise<VaultKey[]>>();

function keyringOf(keys: readonly string[]): Promise<VaultKey[]> {
  let ring = keyrings.get(keys);
  if (!ring) {
    ring = Promise.all(
      keys.map(async (secret) => {
        const raw = await crypto.subtle.digest("SHA-256", encoder.encode(`bank-token-key:${secret}`));
        const id = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", raw))).slice(0, KEY_ID_HEX_LENGTH);
        const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
        return { id, key };
      }),
    );
    keyrings.set(keys, ring);
  }
  return ring;
}

function requireKeys(config: Pick<Config, "banks">): readonly string[] {
  if (config.banks.tokenKeys.length === 0) {
    throw new AppError("BANK_LINKING_NOT_CONFIGURED", { detail: "BANK_TOKEN_KEYS is not set" });
  }
  return config.banks.tokenKeys;
}

/**
 * Encrypts a link's secrets with the first key; the link id is the additional data, so a
 * ciphertext moved to another link's row does not open.
 */
export async function sealSecret(
  config: Pick<Config, "banks">,
  linkId: string,
  secret: Record<string, string>,
): Promise<SealedSecret> {
  const [current] = await keyringOf(requireKeys(config));
  if (!current) throw new Error("The bank keyring is empty");
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(linkId) },
    current.key,
    encoder.encode(JSON.stringify(secret)),
  );
  return { key_id: current.id, iv, ciphertext: new Uint8Array(ciphertext) };
}

/** Decrypts with whichever listed key sealed it; a key no longer listed (or tampering) cannot open it. */
export async function openSecret(
  config: Pick<Config, "banks">,
  linkId: string,
  sealed: { key_id: string; iv: Uint8Array; ciphertext: Uint8Array },
): Promise<Record<string, string>> {
  const key = (await keyringOf(requireKeys(config))).find((k) => k.id === sealed.key_id);
  if (!key) throw new Error(`Bank secrets of ${linkId} were sealed with a key no longer in BANK_TOKEN_KEYS`);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: new Uint8Array(sealed.iv), additionalData: encoder.encode(linkId) },
    key.key,
    new Uint8Array(sealed.ciphertext),
  );
  return JSON.parse(new TextDecoder().decode(plain)) as Record<string, string>;
}

/** The ids of the listed keys: the one that seals now first, then the older ones that still open. */
export async function keyIds(config: Pick<Config, "banks">): Promise<string[]> {
  return (await keyringOf(requireKeys(config))).map((key) => key.id);
}

/** Whether a sealed secret was sealed with an older key (rotation re-seals it with the first). */
export async function isSealedWithOldKey(config: Pick<Config, "banks">, keyId: string): Promise<boolean> {
  const [current] = await keyIds(config);
  return current !== keyId;
}
