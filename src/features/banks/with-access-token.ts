import type { BankLink } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { BankConsentEnded, refreshAccess } from "./bank-client";
import { findSecret, upsertSecret } from "./banks.repository";
import { tokenSecret } from "./complete-link";
import { endLinkInTransaction } from "./end-link";
import { bankContext } from "./link-context";
import { lockActiveLink } from "./require-link";
import { isSealedWithOldKey, openSecret, sealSecret } from "./token-vault";

/** An access token this close to its expiry is refreshed before use. */
const REFRESH_MARGIN_MS = 30_000;

type Ctx = ReturnType<typeof bankContext>;

/**
 * Runs one call to the link's bank with a valid access token: refreshed (and re-sealed) when
 * it is about to expire, re-sealed with the current key when an older key sealed it. When the
 * bank says the consent is over, the link ends here too (everything deleted) and the caller
 * gets BANK_LINK_NOT_ACTIVE.
 */
export async function withAccessToken<T>(
  deps: Pick<Deps, "db" | "clock" | "config">,
  link: BankLink,
  call: (ctx: Ctx, accessToken: string) => Promise<T>,
): Promise<T> {
  const ctx = bankContext(deps, link.partner_id);
  try {
    const sealed = await findSecret(deps.db, link.id);
    if (!sealed) throw notActive();
    const secret = await openSecret(deps.config, link.id, sealed);
    let accessToken = secret.access_token ?? "";
    const expiresAt = new Date(secret.access_expires_at ?? 0);
    const stale = expiresAt.getTime() - REFRESH_MARGIN_MS <= ctx.now.getTime();
    if (stale || (await isSealedWithOldKey(deps.config, sealed.key_id))) {
      const tokens = stale
        ? await refreshAccess(ctx, secret.refresh_token ?? "")
        : { accessToken, refreshToken: secret.refresh_token ?? "", accessExpiresAt: expiresAt };
      const resealed = await sealSecret(deps.config, link.id, tokenSecret(tokens));
      // The link may have ended while the bank answered: its secret is gone and must stay gone.
      await withTransaction(deps.db, async (trx) => {
        await lockActiveLink(trx, link.id);
        await upsertSecret(trx, link.id, resealed, ctx.now);
      });
      accessToken = tokens.accessToken;
    }
    return await call(ctx, accessToken);
  } catch (err) {
    if (!(err instanceof BankConsentEnded)) throw err;
    await withTransaction(deps.db, (trx) =>
      endLinkInTransaction(deps, trx, { linkId: link.id, by: "bank", at: deps.clock.now(), bankTold: null }),
    );
    throw notActive(`${ctx.partner.name} ended this link (${err.reason}); link it again to continue`);
  }
}

const notActive = (detail = "This bank link has ended") => new AppError("BANK_LINK_NOT_ACTIVE", { detail });
