import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { canonicalJson } from "../platform/canonical-json";
import type { Db } from "../platform/db";
import type { AppEnv } from "./app-env";
import {
  completeClaim,
  findKey,
  insertClaim,
  purgeExpiredKeys,
  releaseClaim,
  takeOverClaim,
} from "./idempotency.repository";
import { IDEMPOTENCY_KEY_PATTERN } from "./router";

/** An in-flight claim older than this belonged to a process that died; a retry may take it over. */
export const IDEMPOTENCY_LOCK_TIMEOUT_MS = 60_000;
/** Claims a failed release leaves behind, per process; beyond this the 60 s takeover frees them. */
const UNRELEASED_MAX = 10_000;

type ClaimRef = { userId: string; key: string; lockedAt: Date };

/**
 * Stripe's semantics, per person: the same key and body replays the first response
 * (`Idempotent-Replayed: true`), the same key with another body is refused (422), and a
 * key whose first request is still running answers 409. Only successes are kept: a refusal
 * (4xx: it changed nothing), an overload (429) or a failure (5xx) releases the key, so a
 * corrected retry, or one after `Retry-After`, runs for real. A release the database could not
 * take (it was down) is remembered and done before this process next looks at a claim, so a
 * retry after the outage is not blocked by its own first attempt.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  const unreleased = new Map<string, ClaimRef>();
  const releaseLeftovers = async (db: Db) => {
    for (const [id, ref] of unreleased) {
      await releaseClaim(db, ref.userId, ref.key, ref.lockedAt);
      unreleased.delete(id);
    }
  };

  return async (c, next) => {
    const key = c.req.header("Idempotency-Key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new AppError("IDEMPOTENCY_KEY_INVALID", { detail: "Use 1-255 printable ASCII characters" });
    }
    const { db, clock, config } = c.get("deps");
    const userId = c.get("userId");
    const now = clock.now();
    const claim = {
      userId,
      key,
      fingerprint: await fingerprint(config.idempotencyFingerprintKey, c.req.method, c.req.path, await c.req.text()),
      now,
      expiresAt: new Date(now.getTime() + config.idempotencyKeyTtlHours * 3_600_000),
    };

    if (unreleased.size > 0) await releaseLeftovers(db);
    if (!(await insertClaim(db, claim))) {
      const seen = await findKey(db, userId, key);
      const expired = !seen || seen.expires_at <= now;
      const stale =
        seen?.state === "in_flight" && now.getTime() - seen.locked_at.getTime() >= IDEMPOTENCY_LOCK_TIMEOUT_MS;
      if (seen && !expired && seen.fingerprint !== claim.fingerprint) {
        throw new AppError("IDEMPOTENCY_KEY_REUSED", {
          detail: "This key was first used with a different method, path or body; use a new key for a new request",
        });
      }
      if (seen?.state === "completed" && !expired) {
        return c.body(seen.response_body ?? "", seen.response_status as ContentfulStatusCode, {
          "Content-Type": seen.response_content_type ?? "application/json",
          "Idempotent-Replayed": "true",
        });
      }
      const tookOver = seen !== undefined && (expired || stale) && (await takeOverClaim(db, claim, seen));
      if (!tookOver)
        throw new AppError("IDEMPOTENCY_KEY_IN_USE", { detail: "Retry once the first request has finished" });
    }

    const ref = { userId, key, lockedAt: now };
    try {
      await next();
      if (!c.res.ok) {
        await releaseClaim(db, userId, key, now);
        return;
      }
      await completeClaim(db, userId, key, {
        status: c.res.status,
        body: await c.res.clone().text(),
        contentType: c.res.headers.get("Content-Type") ?? "application/json",
      });
    } catch (err) {
      // The answer is an error either way; its claim must not outlive it.
      if (unreleased.size < UNRELEASED_MAX) unreleased.set(`${userId}\n${key}`, ref);
      throw err;
    }
  };
}

/**
 * A keyed hash (HMAC-SHA256) of the request: bodies can hold a PIN, and a plain hash of a
 * six-digit PIN is reversed by trying all million of them; without the server's key it is not.
 */
async function fingerprint(key: string, method: string, path: string, body: string): Promise<string> {
  const canonical = body.length > 0 ? canonicalJson(JSON.parse(body)) : "";
  const hmac = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const digest = await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${method} ${path}\n${canonical}`));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Deletes up to `limit` kept answers whose time is up; for the periodic sweep. */
export function purgeExpiredIdempotencyKeys(deps: Pick<Deps, "db" | "clock">, limit: number): Promise<number> {
  return purgeExpiredKeys(deps.db, deps.clock.now(), limit);
}
