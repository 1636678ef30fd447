import type { BankLink } from "../../../db/schema";
import type { Deps } from "../../deps";
import { withTransaction } from "../../platform/db";
import { updateLink } from "./banks.repository";
import { logAccess } from "./link-context";
import { lockActiveLink, requireActiveLink } from "./require-link";

/** The person renews their consent before it expires: the same scopes, another full period from now. */
export async function reconfirmLink(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; linkId: string },
): Promise<BankLink> {
  const now = deps.clock.now();
  await requireActiveLink(deps.db, { ...input, now });
  return withTransaction(deps.db, async (trx) => {
    const link = await lockActiveLink(trx, input.linkId);
    const renewed = await updateLink(trx, link.id, {
      expires_at: new Date(now.getTime() + deps.config.banks.consentMs),
      reconfirmed_at: now,
      reminded_at: null,
      updated_at: now,
    });
    await logAccess(trx, link, "consent_reconfirmed", now, { expires_at: renewed.expires_at?.toISOString() ?? null });
    return renewed;
  });
}
