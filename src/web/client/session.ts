/**
 * The only thing this client keeps in localStorage is the session token (a bearer JWT); who
 * the person is, their threads and payments are always read from the API again.
 */
const TOKEN_KEY = "chat-pay.session-token";

export type TokenClaims = { sub: string; exp: number };

/** Reads the token's own claims to know who is signed in (no verification: the server verifies every call). */
export function tokenClaims(token: string): TokenClaims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(
      payload
        .replaceAll("-", "+")
        .replaceAll("_", "/")
        .padEnd(Math.ceil(payload.length / 4) * 4, "="),
    );
    const claims = JSON.parse(json) as Partial<TokenClaims>;
    return typeof claims.sub === "string" && typeof claims.exp === "number"
      ? { sub: claims.sub, exp: claims.exp }
      : null;
  } catch {
    return null;
  }
}

export function savedToken(): string | null {
  const token = localStorage.getItem(TOKEN_KEY);
  const claims = token ? tokenClaims(token) : null;
  // Expiry is left to the server (its clock decides; a 401 signs the person out), so clock skew cannot lock anyone out.
  if (!token || !claims) {
    localStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

export function saveToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}
