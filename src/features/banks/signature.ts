import { toHex } from "../../platform/hex";
import { hmacSha256 } from "../../platform/hmac";

/** The header a bank signs its webhooks with, and the service its calls to the bank. */
export const BANK_SIGNATURE_HEADER = "Bank-Signature";

const mac = (secret: string, timestampSeconds: number, payload: string) =>
  hmacSha256(secret, `${timestampSeconds}.${payload}`);

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`, the scheme Stripe uses too. */
export async function signBankPayload(payload: string, secret: string, at: Date): Promise<string> {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${toHex(await mac(secret, t, payload))}`;
}

/**
 * Checks a signature header over the raw body: `invalid` when it is missing, malformed or does
 * not match (compared in constant time); `stale` when it matches but was made outside the
 * tolerance (a replay, or a clock far off); otherwise `valid`.
 */
export async function verifyBankSignature(
  payload: string,
  header: string | undefined,
  secret: string,
  now: Date,
  toleranceMs: number,
): Promise<"valid" | "invalid" | "stale"> {
  const t = Number(/(?:^|,)t=(\d{1,12})(?:,|$)/.exec(header ?? "")?.[1]);
  const given = /(?:^|,)v1=([0-9a-f]{64})(?:,|$)/.exec(header ?? "")?.[1];
  if (!Number.isSafeInteger(t) || !given) return "invalid";
  const expected = await mac(secret, t, payload);
  let diff = 0;
  for (let i = 0; i < expected.length; i++)
    diff |= (expected[i] ?? 0) ^ Number.parseInt(given.slice(i * 2, i * 2 + 2), 16);
  if (diff !== 0) return "invalid";
  return Math.abs(now.getTime() - t * 1000) > toleranceMs ? "stale" : "valid";
}
