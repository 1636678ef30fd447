type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** Configured secrets' keys, imported once each: importing costs more than signing a short message. */
const imported = new Map<string, Promise<Key>>();

/** The HMAC-SHA256 key (for signing and verifying) of a configured secret. */
export function hmacKey(secret: string): Promise<Key> {
  let key = imported.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    imported.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 of a message under a configured secret. */
export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(message)));
}
