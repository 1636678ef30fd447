import type { BankLink, BankScope } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { challengeHash } from "../security";
import { openServiceThread } from "../threads";
import { ensureUser } from "../users";
import { type BankTokens, exchangeCode, revokeAtBank } from "./bank-client";
import {
  claimPendingLink,
  deletePendingLink,
  findSecret,
  lockLink,
  updateLink,
  upsertSecret,
} from "./banks.repository";
import { bankContext, logAccess, postBankMessage } from "./link-context";
import { bankPartyId } from "./partners";
import { openSecret, sealSecret } from "./token-vault";

/** The sealed form of a link's tokens. */
export const tokenSecret = (tokens: BankTokens): Record<string, string> => ({
  access_token: tokens.accessToken,
  refresh_token: tokens.refreshToken,
  access_expires_at: tokens.accessExpiresAt.toISOString(),
});

const stateInvalid = (why: string) =>
  new AppError("BANK_OAUTH_STATE_INVALID", { detail: `This answer from the bank ${why}; start linking again` });

/**
 * Finishes a link when the bank sends the person back: the state must be one this person was
 * given and has not used (it is taken now, once), the bank's code is traded for tokens with the
 * PKCE verifier, and only then does the link become active, with its thread, in one
 * transaction. A refusal (denied, wrong or reused code, wrong verifier) removes the pending
 * link; a bank that is down or busy leaves it pending with its state, so the same answer can be
 * retried. Nothing is ever half-linked.
 */
export async function completeLink(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; state: string; code: string | undefined; error: string | undefined },
): Promise<BankLink> {
  const stateHash = await challengeHash(input.state);
  const claimed = await withTransaction(deps.db, (trx) => claimPendingLink(trx, input.userId, stateHash));
  if (!claimed) throw stateInvalid("matches no link you started, or was already used");
  const ctx = bankContext(deps, claimed.partner_id);
  const discard = () => withTransaction(deps.db, (trx) => deletePendingLink(trx, claimed.id));
  if (claimed.authorize_by <= ctx.now) {
    await discard();
    throw stateInvalid("came after the time allowed to approve");
  }
  const sealed = await findSecret(deps.db, claimed.id);
  if (!sealed) throw new Error(`Pending link ${claimed.id} has no verifier`);
  const { code_verifier: codeVerifier = "" } = await openSecret(deps.config, claimed.id, sealed);
  const callback = new URLSearchParams({ state: input.state });
  if (input.code !== undefined) callback.set("code", input.code);
  if (input.error !== undefined) callback.set("error", input.error);

  let granted: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    granted = await exchangeCode(ctx, { callback, state: input.state, codeVerifier });
  } catch (err) {
    const retryable = err instanceof AppError && (err.code === "BANK_UNAVAILABLE" || err.code === "BANK_RATE_LIMITED");
    if (retryable) {
      await withTransaction(deps.db, (trx) => updateLink(trx, claimed.id, { oauth_state_hash: stateHash }));
    } else {
      await discard();
    }
    throw err;
  }

  const scopes = claimed.scopes.filter((s) => granted.scopes.length === 0 || granted.scopes.includes(s)) as BankScope[];
  await ensureUser(deps, { id: bankPartyId(ctx.partner.id), displayName: ctx.partner.name });
  const sealedTokens = await sealSecret(deps.config, claimed.id, tokenSecret(granted.tokens));
  try {
    return await withTransaction(deps.db, async (trx) => {
      const link = await lockLink(trx, claimed.id);
      if (link?.status !== "pending") throw stateInvalid("was already used");
      const thread = await openServiceThread(trx, {
        id: newId("thr"),
        kind: "bank",
        title: ctx.partner.name,
        personId: link.user_id,
        partyId: bankPartyId(ctx.partner.id),
        at: ctx.now,
      });
      await upsertSecret(trx, link.id, sealedTokens, ctx.now);
      const active = await updateLink(trx, link.id, {
        status: "active",
        scopes,
        bank_consent_id: granted.consentId,
        thread_id: thread.id,
        granted_at: ctx.now,
        expires_at: new Date(ctx.now.getTime() + deps.config.banks.consentMs),
        updated_at: ctx.now,
      });
      await postBankMessage(
        trx,
        active,
        `You linked ${ctx.partner.name}. Receipts and alerts you allowed arrive here; ask for your balance with "Show balance". Unlink at any time.`,
        ctx.now,
      );
      await logAccess(trx, active, "linked", ctx.now, { scopes: scopes.join(" ") });
      return active;
    });
  } catch (err) {
    // The bank granted access we could not record: withdraw it there rather than leave it orphaned.
    await revokeAtBank(ctx, granted.tokens.refreshToken).catch(() => undefined);
    await discard().catch(() => undefined);
    throw err;
  }
}
