import { type Context, Hono } from "hono";
import { newId } from "../platform/ids";
import { faultResponse } from "./faults";
import { escapeHtml, formFields, page } from "./html";
import { BANK_SCOPES, type BankScope, type BankStore } from "./store";

const base64url = (bytes: ArrayBuffer) =>
  Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function s256(verifier: string): Promise<string> {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

const SCOPE_WORDS: Record<BankScope, string> = {
  balances: "See your account balances when you ask for them",
  transaction_alerts: "Send you a receipt when your card is used",
  fraud_alerts: "Ask you about suspicious card activity",
};

type AuthorizeRequest = {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scopes: BankScope[];
};

/** Checks an authorization request; a string says why it cannot even be redirected back. */
function readAuthorizeRequest(store: BankStore, params: Record<string, string | undefined>): AuthorizeRequest | string {
  if (params.client_id !== store.options.clientId) return "Unknown client_id";
  const redirectUri = params.redirect_uri ?? "";
  if (!/^https?:\/\/[^\s]+$/.test(redirectUri)) return "redirect_uri must be an http(s) URL";
  if (params.response_type !== "code") return "response_type must be code";
  if (params.code_challenge_method !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge ?? "")) {
    return "PKCE is required: code_challenge with code_challenge_method S256";
  }
  if (!params.state) return "state is required";
  const scopes = (params.scope ?? "").split(" ").filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !(BANK_SCOPES as readonly string[]).includes(s))) {
    return `scope must list some of: ${BANK_SCOPES.join(" ")}`;
  }
  return {
    clientId: params.client_id,
    redirectUri,
    state: params.state,
    codeChallenge: params.code_challenge ?? "",
    scopes: [...new Set(scopes)] as BankScope[],
  };
}

function authorizePage(store: BankStore, request: AuthorizeRequest): string {
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const personas = store.personas
    .map((p) => `<option value="${escapeHtml(p.persona)}">${escapeHtml(p.name)}</option>`)
    .join("");
  const scopes = request.scopes.map((s) => `<li>${escapeHtml(SCOPE_WORDS[s])}</li>`).join("");
  return page(
    "Emulated Bank: approve access",
    `<p class="bank">Emulated Bank</p><h1>chat-pay asks to connect to your bank</h1>
<p>If you approve, chat-pay may:</p><ul>${scopes}</ul>
<form method="post" action="/oauth/authorize">
${hidden("client_id", request.clientId)}${hidden("redirect_uri", request.redirectUri)}${hidden("state", request.state)}
${hidden("code_challenge", request.codeChallenge)}${hidden("code_challenge_method", "S256")}
${hidden("response_type", "code")}${hidden("scope", request.scopes.join(" "))}
<label>Sign in as <select name="persona">${personas}</select></label>
<label>Password (any, this bank is simulated) <input type="password" name="password" autocomplete="off"></label>
<button name="decision" value="approve" type="submit">Approve</button>
<button name="decision" value="deny" type="submit">Deny</button>
</form>`,
  );
}

function redirectBack(c: Context, redirectUri: string, params: Record<string, string>) {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return c.redirect(url.toString(), 302);
}

type ClientAuth = { clientId: string; clientSecret: string } | undefined;

function clientAuthOf(c: Context, form: Record<string, string>): ClientAuth {
  const header = c.req.header("authorization");
  if (header?.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
    if (id !== undefined && secret !== undefined) {
      return { clientId: decodeURIComponent(id), clientSecret: decodeURIComponent(secret) };
    }
  }
  if (form.client_id && form.client_secret) return { clientId: form.client_id, clientSecret: form.client_secret };
  return undefined;
}

const oauthError = (c: Context, status: 400 | 401, error: string, description: string) =>
  c.json({ error, error_description: description }, status);

/** The OAuth 2.0 authorization server: a login and approval screen, the token endpoint (PKCE S256 required), revocation. */
export function oauthRoutes(store: BankStore) {
  const authenticated = (c: Context, form: Record<string, string>) => {
    const auth = clientAuthOf(c, form);
    return auth?.clientId === store.options.clientId && auth.clientSecret === store.options.clientSecret;
  };

  return new Hono()
    .get("/oauth/authorize", (c) => {
      const request = readAuthorizeRequest(store, c.req.query());
      if (typeof request === "string")
        return c.html(page("Cannot connect", `<h1>Cannot connect</h1><p>${escapeHtml(request)}</p>`), 400);
      return c.html(authorizePage(store, request));
    })
    .post("/oauth/authorize", async (c) => {
      const form = await formFields(c);
      const request = readAuthorizeRequest(store, form);
      if (typeof request === "string")
        return c.html(page("Cannot connect", `<h1>Cannot connect</h1><p>${escapeHtml(request)}</p>`), 400);
      if (form.decision !== "approve") {
        return redirectBack(c, request.redirectUri, { error: "access_denied", state: request.state });
      }
      const persona = store.personas.find((p) => p.persona === form.persona);
      if (!persona) return c.html(authorizePage(store, request), 400);
      const consentId = newId("bcon");
      store.consents.set(consentId, {
        consentId,
        persona: persona.persona,
        clientId: request.clientId,
        scopes: request.scopes,
        status: "active",
        grantedAt: store.clock.now(),
      });
      const code = store.newCode({
        consentId,
        clientId: request.clientId,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
      });
      return redirectBack(c, request.redirectUri, { code, state: request.state });
    })
    .post("/oauth/token", async (c) => {
      const fault = await faultResponse(c, store);
      if (fault) return fault;
      const form = await formFields(c);
      if (!authenticated(c, form)) return oauthError(c, 401, "invalid_client", "Client authentication failed");
      if (form.grant_type === "authorization_code") {
        const code = store.takeCode(form.code ?? "");
        if (!code || code.clientId !== store.options.clientId) {
          return oauthError(c, 400, "invalid_grant", "Unknown authorization code");
        }
        if (code.used) {
          // A code presented twice may have been stolen: the grant it made is withdrawn (RFC 6749 4.1.2).
          store.endConsent(code.consentId, "revoked");
          return oauthError(c, 400, "invalid_grant", "The authorization code was already used");
        }
        if (code.expiresAt <= store.clock.now()) return oauthError(c, 400, "invalid_grant", "The code expired");
        if (form.redirect_uri !== code.redirectUri) return oauthError(c, 400, "invalid_grant", "redirect_uri differs");
        if ((await s256(form.code_verifier ?? "")) !== code.codeChallenge) {
          return oauthError(c, 400, "invalid_grant", "PKCE verification failed");
        }
        code.used = true;
        const consent = store.consents.get(code.consentId);
        if (consent?.status !== "active") return oauthError(c, 400, "invalid_grant", "The consent is no longer active");
        return c.json({
          ...store.issueTokens(consent.consentId),
          token_type: "Bearer",
          scope: consent.scopes.join(" "),
          consent_id: consent.consentId,
        });
      }
      if (form.grant_type === "refresh_token") {
        const consent = store.consentOfRefreshToken(form.refresh_token ?? "");
        if (!consent) return oauthError(c, 400, "invalid_grant", "Unknown or revoked refresh token");
        const { access_token, expires_in } = store.issueTokens(consent.consentId);
        return c.json({
          access_token,
          expires_in,
          token_type: "Bearer",
          refresh_token: form.refresh_token,
          scope: consent.scopes.join(" "),
        });
      }
      return oauthError(c, 400, "unsupported_grant_type", "Use authorization_code or refresh_token");
    })
    .post("/oauth/revoke", async (c) => {
      const form = await formFields(c);
      if (!authenticated(c, form)) return oauthError(c, 401, "invalid_client", "Client authentication failed");
      const token = form.token ?? "";
      const viaAccess = store.consentOfAccessToken(token);
      const consent = typeof viaAccess === "string" ? store.consentOfRefreshToken(token) : viaAccess;
      // RFC 7009: an unknown token is not an error. Revoking any token of a consent ends the consent.
      if (consent) store.endConsent(consent.consentId, "revoked");
      return c.body(null, 200);
    });
}
