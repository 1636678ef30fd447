import type { MiddlewareHandler } from "hono";
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Config } from "../config";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import type { Clock } from "../platform/clock";
import { hmacKey } from "../platform/hmac";
import type { AppEnv } from "./app-env";
import { isPersonId } from "./fields";

const SYMMETRIC_ALGORITHM = "HS256";
const ASYMMETRIC_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"];
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
const KNOWN_USERS_MAX = 10_000;
const KNOWN_USER_TTL_MS = 60_000;

/** `roles`: the token's `roles` claim (strings only; anything else is no role), e.g. an operator's. */
export type VerifiedToken = { sub: string; name: string | undefined; roles: readonly string[] };
const ROLES_MAX = 32;
export type TokenVerifier = (token: string) => Promise<VerifiedToken>;
/** Records the person a verified token names, the first time they are seen (the users feature's ensureUser). */
export type RecordPerson = (
  deps: Pick<Deps, "db" | "clock">,
  person: { id: string; displayName: string | undefined },
) => Promise<void>;

function unauthenticated(detail: string): AppError {
  return new AppError("UNAUTHENTICATED", { detail });
}

/**
 * HS256 with the configured secret, or an asymmetric algorithm against the JWKS URL.
 * `sub` and `exp` are required; `alg: none` and every other algorithm are refused.
 */
export function createTokenVerifier(auth: Config["auth"], clock: Clock): TokenVerifier {
  const secret = auth.jwtSecret;
  const jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : undefined;
  const claims = { issuer: auth.issuer, audience: auth.audience, requiredClaims: ["exp", "sub"] };

  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated("The bearer token is not a JWT");
    }
    let payload: JWTPayload;
    try {
      const options = { ...claims, currentDate: clock.now() };
      if (alg === SYMMETRIC_ALGORITHM && secret) {
        ({ payload } = await jwtVerify(token, await hmacKey(secret), {
          ...options,
          algorithms: [SYMMETRIC_ALGORITHM],
        }));
      } else if (alg && jwks && ASYMMETRIC_ALGORITHMS.includes(alg)) {
        ({ payload } = await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC_ALGORITHMS }));
      } else {
        throw unauthenticated(`Tokens signed with ${alg ?? "no algorithm"} are not accepted`);
      }
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      throw unauthenticated("The bearer token is invalid or expired");
    }
    if (typeof payload.sub !== "string" || !isPersonId(payload.sub)) {
      throw unauthenticated("The bearer token's subject is not a person's id (1-64 letters, digits or _.:@-)");
    }
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is string => typeof role === "string").slice(0, ROLES_MAX)
      : [];
    return { sub: payload.sub, name: typeof payload.name === "string" ? payload.name : undefined, roles };
  };
}

/** Signs a session token the same way the chat product would (HS256 with the shared secret), with any extra claims (`roles`). */
export function signSessionToken(
  secret: string,
  userId: string,
  now: Date,
  ttlSeconds: number,
  claims: { roles?: string[] } = {},
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SYMMETRIC_ALGORITHM, typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Verifies the bearer token and records the person it names, once a minute per process for each
 * person (a person whose account another process closed is recorded anew within the minute).
 * Who records people is handed in (app.ts), so this layer below the features names none.
 */
export function requireAuth(verify: TokenVerifier, recordPerson: RecordPerson): MiddlewareHandler<AppEnv> {
  /** Until when each person counts as recorded, in ms. */
  const knownUsers = new Map<string, number>();
  return async (c, next) => {
    const match = BEARER.exec(c.req.header("Authorization") ?? "");
    if (!match?.[1]) throw unauthenticated("Send Authorization: Bearer <token>");
    const { sub, name, roles } = await verify(match[1]);
    const now = c.get("deps").clock.now().getTime();
    if ((knownUsers.get(sub) ?? 0) <= now) {
      await recordPerson(c.get("deps"), { id: sub, displayName: name });
      if (knownUsers.size >= KNOWN_USERS_MAX) knownUsers.clear();
      knownUsers.set(sub, now + KNOWN_USER_TTL_MS);
    }
    c.set("userId", sub);
    c.set("roles", roles);
    await next();
    // Their id is gone from the database: a later request with it records a new person.
    if (c.var.accountClosed) knownUsers.delete(sub);
  };
}
