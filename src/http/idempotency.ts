import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { IdempotencyKey } from "../../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { canonicalJson } from "../platform/canonical-json";
import { type Db, type Trx, withTransaction } from "../platform/db";
import { toHex } from "../platform/hex";
import { hmacSha256 } from "../platform/hmac";
import { type KeptKey, keptWith } from "../platform/kept-key";
import { isDatabaseUnavailable } from "../platform/transient";
import type { AppEnv } from "./app-env";
import {
  type Claim,
  completeClaim,
  findKey,
  insertClaim,
  lockKey,
  purgeExpiredKeys,
  releaseClaim,
  storeAnswer,
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
 *
 * Routes in `keptInTransaction` ("POST /v1/threads/:id/payments") keep the key in their verb's
 * own transaction instead (keepInTransaction): no claim or answer round trips of their own.
 */
export function idempotency(keptInTransaction: ReadonlySet<string> = new Set()): MiddlewareHandler<AppEnv> {
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
    const claim: Claim = {
      userId,
      key,
      fingerprint: await fingerprint(config.idempotencyFingerprintKey, c.req.method, c.req.path, await c.req.text()),
      now,
      expiresAt: new Date(now.getTime() + config.idempotencyKeyTtlHours * 3_600_000),
    };
    if (keptInTransaction.has(`${c.req.method} ${routePath(c, -1)}`)) {
      c.set("idempotencyClaim", claim);
      return next();
    }

    if (unreleased.size > 0) await releaseLeftovers(db);
    const ref = { userId, key, lockedAt: now };
    const releaseLater = () => {
      if (unreleased.size < UNRELEASED_MAX) unreleased.set(`${userId}\n${key}`, ref);
    };
    const remember = (err: unknown): never => {
      // The claim's own write may have committed with its answer lost (the server went away):
      // released later like any other, by when it was locked, so it cannot block its retries.
      if (isDatabaseUnavailable(err)) releaseLater();
      throw err;
    };
    if (!(await insertClaim(db, claim).catch(remember))) {
      const seen = await findKey(db, userId, key);
      const answered = judgeEarlierUse(seen, claim);
      if (answered) return replay(c, answered);
      const tookOver = seen !== undefined && (await takeOverClaim(db, claim, seen).catch(remember));
      if (!tookOver) throw inUse();
    }

    try {
      await next();
      if (!c.res.ok) {
        await releaseClaim(db, userId, key, now);
        return;
      }
      await completeClaim(db, ref, {
        status: c.res.status,
        body: await c.res.clone().text(),
        contentType: c.res.headers.get("Content-Type") ?? "application/json",
      });
    } catch (err) {
      // The answer is an error either way; its claim must not outlive it.
      releaseLater();
      throw err;
    }
  };
}

/** How the middleware names a route whose verb keeps its key (keepInTransaction): `POST /v1/threads/:id/payments`. */
export function routeKeepingItsKey(route: { method: string; path: string }): string {
  return `${route.method.toUpperCase()} ${route.path.replace(/\{(\w+)\}/g, ":$1")}`;
}

type Answer<S extends 200 | 201> = { status: S; body: object };

/**
 * Runs a verb that keeps the request's Idempotency-Key (see KeptKey) and answers for it: the
 * earlier answer replayed, or the verb's result as `answerOf` puts it (which is what is kept).
 * The verb resolves undefined exactly when `answered` said true.
 */
export async function keepingTheKey<T, S extends 200 | 201>(
  c: Context<AppEnv>,
  answerOf: (result: T) => Promise<Answer<S>>,
  verb: (key: KeptKey<T> | null) => Promise<T | undefined>,
) {
  const claim = c.var.idempotencyClaim;
  const { db } = c.get("deps");
  let replayed: IdempotencyKey | undefined;
  // The answer kept is the one given: made once per result.
  let made: { result: T; answer: Answer<S> } | undefined;
  const answerFor = async (result: T) => {
    if (made?.result !== result) made = { result, answer: await answerOf(result) };
    return made.answer;
  };
  const stored = async (result: T) => {
    const answer = await answerFor(result);
    return { status: answer.status, body: JSON.stringify(answer.body), contentType: "application/json" };
  };
  const key: KeptKey<T> | null = claim
    ? {
        async answered(trx) {
          if (!(await lockKey(trx, claim))) throw inUse();
          replayed = judgeEarlierUse(await findKey(trx, claim.userId, claim.key), claim);
          return replayed !== undefined;
        },
        keep: async (trx, result) => storeAnswer(trx, claim, result === undefined ? undefined : await stored(result)),
        settle: async (result) => {
          const ours = { userId: claim.userId, key: claim.key, lockedAt: claim.now };
          if (result === undefined) await releaseClaim(db, ours.userId, ours.key, ours.lockedAt);
          else await completeClaim(db, ours, await stored(result));
        },
      }
    : null;
  const result = await verb(key);
  const answer = (fresh: Answer<S>) => c.json(fresh.body, fresh.status);
  // A replay is the stored text of this route's own earlier answer, so it has that answer's type.
  if (replayed) return replay(c, replayed) as ReturnType<typeof answer>;
  if (result === undefined) throw new Error("A verb keeping its Idempotency-Key answered nothing without a replay");
  return answer(await answerFor(result));
}

/**
 * A route's work and its Idempotency-Key in one transaction: the key is locked for the
 * transaction (a concurrent request with it answers 409), an earlier success is replayed,
 * and a new success is stored with the work's own writes, so a refusal or a failure, which
 * rolls the work back, leaves nothing under the key. Without a key the work just runs.
 */
export function keepInTransaction<S extends 200 | 201>(c: Context<AppEnv>, work: (trx: Trx) => Promise<Answer<S>>) {
  return keepingTheKey(
    c,
    async (fresh: Answer<S>) => fresh,
    (key) => withTransaction(c.get("deps").db, (trx) => keptWith(trx, key, () => work(trx))),
  );
}

/**
 * What an earlier use of the key means for this request: its answer, to replay; a refusal (a
 * different request under the same key, or one still running); or undefined when nothing stands
 * in the way (no earlier use, one expired, or a claim whose process died).
 */
function judgeEarlierUse(seen: IdempotencyKey | undefined, claim: Claim): IdempotencyKey | undefined {
  if (!seen || seen.expires_at <= claim.now) return undefined;
  if (seen.fingerprint !== claim.fingerprint) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", {
      detail: "This key was first used with a different method, path or body; use a new key for a new request",
    });
  }
  if (seen.state === "completed") return seen;
  if (claim.now.getTime() - seen.locked_at.getTime() >= IDEMPOTENCY_LOCK_TIMEOUT_MS) return undefined;
  throw inUse();
}

const inUse = () => new AppError("IDEMPOTENCY_KEY_IN_USE", { detail: "Retry once the first request has finished" });

function replay(c: Context<AppEnv>, seen: IdempotencyKey): Response {
  return c.body(seen.response_body ?? "", seen.response_status as ContentfulStatusCode, {
    "Content-Type": seen.response_content_type ?? "application/json",
    "Idempotent-Replayed": "true",
  });
}

/**
 * A keyed hash (HMAC-SHA256) of the request: bodies can hold a PIN, and a plain hash of a
 * six-digit PIN is reversed by trying all million of them; without the server's key it is not.
 */
async function fingerprint(key: string, method: string, path: string, body: string): Promise<string> {
  const canonical = body.length > 0 ? canonicalJson(JSON.parse(body)) : "";
  return toHex(await hmacSha256(key, `${method} ${path}\n${canonical}`));
}

/** Deletes up to `limit` kept answers whose time is up; for the periodic sweep. */
export function purgeExpiredIdempotencyKeys(deps: Pick<Deps, "db" | "clock">, limit: number): Promise<number> {
  return purgeExpiredKeys(deps.db, deps.clock.now(), limit);
}
