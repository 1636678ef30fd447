import type { Context } from "hono";
import type { BankStore } from "./store";

const DOWN_RETRY_AFTER_SECONDS = 30;
const RATE_LIMIT_RETRY_AFTER_SECONDS = 1;

/** FDX's error body: a code and a message people can read. */
export const fdxError = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 429 | 503, code: string, message: string) =>
  c.json({ code, message }, status);

/** Waits out the injected latency, then answers the next injected fault, if any (undefined: carry on). */
export async function faultResponse(c: Context, store: BankStore): Promise<Response | undefined> {
  if (store.latency.ms > 0) await new Promise((resolve) => setTimeout(resolve, store.latency.ms));
  const fault = store.takeFault();
  if (fault === "institution_down") {
    c.header("Retry-After", String(DOWN_RETRY_AFTER_SECONDS));
    return fdxError(c, 503, "503", "The institution is unavailable");
  }
  if (fault === "rate_limited") {
    c.header("Retry-After", String(RATE_LIMIT_RETRY_AFTER_SECONDS));
    return fdxError(c, 429, "429", "Too many requests");
  }
  if (fault === "consent_expired") return fdxError(c, 401, "consent_expired", "The consent has expired");
  return undefined;
}
