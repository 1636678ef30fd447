import * as oauth from "oauth4webapi";
import type { BankLink, BankScope } from "../../../db/schema";
import type { Deps } from "../../deps";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { challengeHash } from "../security";
import { authorizationUrl } from "./bank-client";
import { insertLink, upsertSecret } from "./banks.repository";
import { disclosureText, LINK_PURPOSE } from "./disclosure";
import { requirePartner } from "./partners";
import { sealSecret } from "./token-vault";

/** How long the person has to approve at the bank before the started link lapses. */
export const AUTHORIZE_WINDOW_MS = 15 * 60_000;

/**
 * Starts linking a bank: a pending link holding the consent text shown to the person (scopes,
 * purpose, duration), a one-time state and a PKCE verifier (sealed), and the bank's
 * authorization URL the person goes to next. Nothing reaches the bank until they approve there.
 */
export async function startLink(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; partnerId: string; scopes: BankScope[] },
): Promise<{ link: BankLink; authorizationUrl: string }> {
  const partner = requirePartner(deps.config, input.partnerId);
  const scopes = [...new Set(input.scopes)];
  const now = deps.clock.now();
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const id = newId("bkl");
  const sealed = await sealSecret(deps.config, id, { code_verifier: codeVerifier });
  const url = await authorizationUrl({ config: deps.config, partner, now }, { state, codeVerifier, scopes });
  const link = await withTransaction(deps.db, async (trx) => {
    const inserted = await insertLink(trx, {
      id,
      user_id: input.userId,
      partner_id: partner.id,
      status: "pending",
      scopes,
      purpose: LINK_PURPOSE,
      disclosure: disclosureText({
        bank: partner.name,
        scopes,
        consentDays: Math.round(deps.config.banks.consentMs / 86_400_000),
        retentionDays: Math.round(deps.config.banks.retentionMs / 86_400_000),
      }),
      oauth_state_hash: await challengeHash(state),
      authorize_by: new Date(now.getTime() + AUTHORIZE_WINDOW_MS),
      bank_consent_id: null,
      thread_id: null,
      created_at: now,
      granted_at: null,
      expires_at: null,
      reconfirmed_at: null,
      reminded_at: null,
      ended_at: null,
      ended_by: null,
      stepped_up_until: null,
      updated_at: now,
    });
    await upsertSecret(trx, id, sealed, now);
    return inserted;
  });
  return { link, authorizationUrl: url };
}
