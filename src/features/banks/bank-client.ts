import * as oauth from "oauth4webapi";
import type { Config } from "../../config";
import { AppError } from "../../errors";
import type { BankPartner } from "./partners";
import { BANK_SIGNATURE_HEADER, signBankPayload } from "./signature";

/** A bank that cannot be reached, timed out or failed: retry after this unless it says otherwise. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
const RETRY_AFTER_MAX_SECONDS = 300;

/** The bank says the consent behind a token is over (revoked or expired there): the link ends. */
export class BankConsentEnded extends Error {
  constructor(readonly reason: string) {
    super(`The bank ended the consent (${reason})`);
    this.name = "BankConsentEnded";
  }
}

export type BankTokens = { accessToken: string; refreshToken: string; accessExpiresAt: Date };

type Ctx = { config: Pick<Config, "banks" | "env">; partner: BankPartner; now: Date };

function oauthOf({ config, partner }: Ctx) {
  const as: oauth.AuthorizationServer = {
    issuer: new URL(partner.api_base_url).origin,
    authorization_endpoint: partner.authorization_endpoint,
    token_endpoint: partner.token_endpoint,
    revocation_endpoint: partner.revocation_endpoint,
  };
  const client: oauth.Client = { client_id: partner.client_id };
  const options = {
    // The local emulator speaks plain HTTP on loopback; production partners must use HTTPS.
    [oauth.allowInsecureRequests]: config.env !== "production",
    signal: () => AbortSignal.timeout(config.banks.timeoutMs),
  };
  return { as, client, auth: oauth.ClientSecretBasic(partner.client_secret), options };
}

const retryAfterOf = (response: Response, fallback: number) => {
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isInteger(seconds) && seconds >= 0 ? Math.min(seconds, RETRY_AFTER_MAX_SECONDS) : fallback;
};

/** A transport failure (refused, reset, timed out) as the retryable problem a client sees. */
function unreachable(partner: BankPartner, cause: unknown): AppError {
  return new AppError("BANK_UNAVAILABLE", {
    detail: `${partner.name} did not answer; nothing changed, retry shortly`,
    retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    cause: cause instanceof Error ? new Error(cause.name) : undefined,
  });
}

/** Maps the bank's refusals that are not about the request itself (down, busy) to retryable problems. */
function refusalOf(partner: BankPartner, response: Response): AppError | undefined {
  if (response.status === 429) {
    return new AppError("BANK_RATE_LIMITED", {
      detail: `${partner.name} asks us to slow down; retry shortly`,
      retryAfterSeconds: retryAfterOf(response, 1),
    });
  }
  if (response.status >= 500) {
    return new AppError("BANK_UNAVAILABLE", {
      detail: `${partner.name} is unavailable (HTTP ${response.status}); nothing changed, retry shortly`,
      retryAfterSeconds: retryAfterOf(response, UNAVAILABLE_RETRY_AFTER_SECONDS),
    });
  }
  return undefined;
}

async function send(ctx: Ctx, request: () => Promise<Response>): Promise<Response> {
  let response: Response;
  try {
    response = await request();
  } catch (err) {
    throw unreachable(ctx.partner, err);
  }
  const refusal = refusalOf(ctx.partner, response);
  if (refusal) {
    await response.body?.cancel();
    throw refusal;
  }
  return response;
}

/** The bank's authorization URL for a new link: authorization code with PKCE (S256) and a state. */
export async function authorizationUrl(
  ctx: Ctx,
  input: { state: string; codeVerifier: string; scopes: readonly string[] },
): Promise<string> {
  const url = new URL(ctx.partner.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", ctx.partner.client_id);
  url.searchParams.set("redirect_uri", ctx.config.banks.redirectUrl);
  url.searchParams.set("scope", input.scopes.join(" "));
  url.searchParams.set("state", input.state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(input.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

const tokensOf = (ctx: Ctx, response: oauth.TokenEndpointResponse, refreshToken: string): BankTokens => ({
  accessToken: response.access_token,
  refreshToken: response.refresh_token ?? refreshToken,
  accessExpiresAt: new Date(ctx.now.getTime() + (response.expires_in ?? 0) * 1000),
});

function authorizationFailed(ctx: Ctx, err: unknown): AppError {
  const reason =
    err instanceof oauth.ResponseBodyError || err instanceof oauth.AuthorizationResponseError ? err.error : "invalid";
  return new AppError("BANK_AUTHORIZATION_FAILED", {
    detail: `${ctx.partner.name} did not authorize the link (${reason}); start again`,
  });
}

/**
 * Checks the bank's redirect (its state, or the error it carries) and trades the code and the
 * PKCE verifier for tokens. The consent id and the scopes the bank granted come with them.
 */
export async function exchangeCode(
  ctx: Ctx,
  input: { callback: URLSearchParams; state: string; codeVerifier: string },
): Promise<{ tokens: BankTokens; consentId: string; scopes: string[] }> {
  const { as, client, auth, options } = oauthOf(ctx);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, input.callback, input.state);
  } catch (err) {
    throw authorizationFailed(ctx, err);
  }
  const response = await send(ctx, () =>
    oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      ctx.config.banks.redirectUrl,
      input.codeVerifier,
      options,
    ),
  );
  let result: oauth.TokenEndpointResponse;
  try {
    result = await oauth.processAuthorizationCodeResponse(as, client, response);
  } catch (err) {
    throw authorizationFailed(ctx, err);
  }
  if (typeof result.consent_id !== "string" || !result.refresh_token) {
    throw new AppError("BANK_AUTHORIZATION_FAILED", {
      detail: `${ctx.partner.name} answered without a consent id or refresh token`,
    });
  }
  return {
    tokens: tokensOf(ctx, result, result.refresh_token),
    consentId: result.consent_id,
    scopes: (result.scope ?? "").split(" ").filter(Boolean),
  };
}

/** A fresh access token from the refresh token; a refused refresh means the bank ended the consent. */
export async function refreshAccess(ctx: Ctx, refreshToken: string): Promise<BankTokens> {
  const { as, client, auth, options } = oauthOf(ctx);
  const response = await send(ctx, () => oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, options));
  try {
    return tokensOf(ctx, await oauth.processRefreshTokenResponse(as, client, response), refreshToken);
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError && err.error === "invalid_grant")
      throw new BankConsentEnded("refresh refused");
    throw unreachable(ctx.partner, err);
  }
}

/** Tells the bank to revoke the grant (RFC 7009): revoking the refresh token ends the consent there. */
export async function revokeAtBank(ctx: Ctx, refreshToken: string): Promise<void> {
  const { as, client, auth, options } = oauthOf(ctx);
  const response = await send(ctx, () => oauth.revocationRequest(as, client, auth, refreshToken, options));
  try {
    await oauth.processRevocationResponse(response);
  } catch (err) {
    throw unreachable(ctx.partner, err);
  }
}

/** The codes with which a bank's 401 says the consent itself is over (revoked or expired there). */
const CONSENT_ENDED_CODES: ReadonlySet<string> = new Set(["consent_revoked", "consent_expired"]);

async function answerOf(ctx: Ctx, response: Response): Promise<unknown> {
  if (response.status === 401) {
    const body = (await response.json().catch(() => ({}))) as { code?: unknown };
    const code = typeof body.code === "string" ? body.code : "unauthorized";
    if (CONSENT_ENDED_CODES.has(code)) throw new BankConsentEnded(code);
    // Anything else (an access token that lapsed in flight, a signature refused) is no word
    // about the consent: retried (the token refreshed first), never a reason to end the link.
    throw new AppError("BANK_UNAVAILABLE", {
      detail: `${ctx.partner.name} refused the call; retry`,
      retryAfterSeconds: 1,
    });
  }
  if (response.status === 403) {
    await response.body?.cancel();
    throw new AppError("BANK_SCOPE_NOT_GRANTED", { detail: `${ctx.partner.name} refused: the scope was not granted` });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AppError("BANK_UNAVAILABLE", {
      detail: `${ctx.partner.name} answered HTTP ${response.status}`,
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    });
  }
  return response.json().catch((err: unknown) => {
    throw unreachable(ctx.partner, err);
  });
}

/** A read of the bank's FDX API (`/fdx/v6/...`) with the link's access token. */
export async function readFdx(ctx: Ctx, accessToken: string, path: string): Promise<unknown> {
  const { options } = oauthOf(ctx);
  const url = new URL(path, ctx.partner.api_base_url);
  return answerOf(
    ctx,
    await send(ctx, () => oauth.protectedResourceRequest(accessToken, "GET", url, new Headers(), null, options)),
  );
}

/** A signed, idempotent call to the bank (a fraud answer, a relayed message). */
export async function callPartner(
  ctx: Ctx,
  accessToken: string,
  input: { path: string; body: Record<string, string>; idempotencyKey: string },
): Promise<unknown> {
  const { options } = oauthOf(ctx);
  const payload = JSON.stringify(input.body);
  const headers = new Headers({
    "Content-Type": "application/json",
    "Idempotency-Key": input.idempotencyKey,
    [BANK_SIGNATURE_HEADER]: await signBankPayload(payload, ctx.partner.webhook_secret, ctx.now),
  });
  const url = new URL(input.path, ctx.partner.api_base_url);
  return answerOf(
    ctx,
    await send(ctx, () => oauth.protectedResourceRequest(accessToken, "POST", url, headers, payload, options)),
  );
}
