import type { ChallengePurpose, SecurityChallenge } from "../../../db/schema";
import type { Deps, FreshChallenge } from "../../deps";
import { AppError } from "../../errors";
import { type Db, lockPerson, type Trx, withTransaction } from "../../platform/db";
import { toHex } from "../../platform/hex";
import { newId } from "../../platform/ids";
import {
  findChallengeForUser,
  insertChallenge,
  markChallengeUsed,
  purgeExpiredChallenges,
} from "./challenges.repository";

export const CHALLENGE_BYTES = 32;
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Open (unused, unexpired) challenges one person may hold at once; bounds what a client can make us store. */
export const OPEN_CHALLENGES_MAX = 32;

/** 32 bytes from the Web Crypto CSPRNG, never reused. */
export async function newChallenge(): Promise<FreshChallenge> {
  const bytes = crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES));
  const value = toBase64Url(bytes);
  return { bytes, value, hash: await challengeHash(value) };
}

/** Challenges are stored as SHA-256 digests of their base64url text, so the table never holds a usable one. */
export async function challengeHash(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return toHex(new Uint8Array(digest));
}

/** Whether a challenge echoed by a client (e.g. inside clientDataJSON) is the stored one; constant time in the digest. */
export async function challengeMatches(value: string, storedHash: string): Promise<boolean> {
  const actual = await challengeHash(value);
  if (actual.length !== storedHash.length) return false;
  let difference = 0;
  for (let i = 0; i < actual.length; i++) difference |= actual.charCodeAt(i) ^ storedHash.charCodeAt(i);
  return difference === 0;
}

/** Stores a challenge for this person and purpose; expires CHALLENGE_TTL_MS from now on the injected clock. */
export async function storeChallenge(
  deps: Pick<Deps, "db" | "clock">,
  input: {
    userId: string;
    purpose: ChallengePurpose;
    fresh: FreshChallenge;
    methods?: string[];
    object?: { kind: string; id: string; bindingHash: string };
    context?: Record<string, Record<string, string>>;
  },
): Promise<{ id: string; expiresAt: Date }> {
  const now = deps.clock.now();
  const id = newId("chl");
  const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
  await withTransaction(deps.db, async (trx) => {
    // Insert and count under the person's lock, so concurrent requests cannot all pass the count;
    // one over the bound rolls back with the refusal.
    await lockPerson(trx, "challenges", input.userId);
    const openBefore = await insertChallenge(
      trx,
      {
        id,
        user_id: input.userId,
        purpose: input.purpose,
        challenge_hash: input.fresh.hash,
        methods: input.methods ?? [],
        object_kind: input.object?.kind ?? null,
        object_id: input.object?.id ?? null,
        binding_hash: input.object?.bindingHash ?? null,
        context: input.context ?? {},
        created_at: now,
        expires_at: expiresAt,
      },
      now,
    );
    if (openBefore >= OPEN_CHALLENGES_MAX) {
      throw new AppError("CHALLENGE_LIMIT_REACHED", {
        detail: `At most ${OPEN_CHALLENGES_MAX} challenges may be open at once; use or let some expire`,
        retryAfterSeconds: CHALLENGE_TTL_MS / 1000,
      });
    }
  });
  return { id, expiresAt };
}

/** The challenge if it is this person's, for this purpose, unused and unexpired; otherwise the error saying which. */
export async function requireUsableChallenge(
  deps: Pick<Deps, "clock">,
  db: Db | Trx,
  input: { id: string; userId: string; purpose: ChallengePurpose },
): Promise<SecurityChallenge> {
  const challenge = await findChallengeForUser(db, input.id, input.userId);
  if (!challenge) throw new AppError("CHALLENGE_NOT_FOUND", { detail: `No challenge ${input.id} of yours` });
  if (challenge.purpose !== input.purpose) {
    throw new AppError("CHALLENGE_MISMATCH", { detail: `Challenge ${input.id} was issued for ${challenge.purpose}` });
  }
  if (challenge.used_at) throw new AppError("CHALLENGE_ALREADY_USED", { detail: "Each challenge works once" });
  if (challenge.expires_at <= deps.clock.now()) {
    throw new AppError("CHALLENGE_EXPIRED", {
      detail: `Challenges are valid for ${CHALLENGE_TTL_MS / 60_000} minutes`,
    });
  }
  return challenge;
}

/** Uses the challenge up inside trx; whoever commits first wins, everyone else gets CHALLENGE_ALREADY_USED (or EXPIRED). */
export async function consumeChallenge(
  deps: Pick<Deps, "clock">,
  trx: Trx,
  challenge: SecurityChallenge,
): Promise<void> {
  const now = deps.clock.now();
  if (await markChallengeUsed(trx, challenge.id, now)) return;
  if (challenge.expires_at <= now)
    throw new AppError("CHALLENGE_EXPIRED", { detail: "The challenge expired meanwhile" });
  throw new AppError("CHALLENGE_ALREADY_USED", { detail: "Each challenge works once" });
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Expired challenges are kept this long, so a late answer still hears "expired" rather than "not found". */
export const EXPIRED_CHALLENGE_RETENTION_MS = 60 * 60_000;

/** Deletes up to `limit` challenges that expired over an hour ago; for the periodic sweep. */
export function purgeStaleChallenges(deps: Pick<Deps, "db" | "clock">, limit: number): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - EXPIRED_CHALLENGE_RETENTION_MS);
  return purgeExpiredChallenges(deps.db, cutoff, limit);
}
