import type { Deps } from "../../deps";
import type { Trx } from "../../platform/db";
import { activeLinksOfUser, deletePendingLink, forgetBankConsentIds, pendingLinkIdsOfUser } from "./banks.repository";
import { endLinkInTransaction, revokeGrantAtBank } from "./end-link";

/**
 * A person closing their account ends every bank link in the closing transaction (an
 * accountClosing listener): each bank is asked to revoke its tokens (best effort, bounded by
 * BANK_TIMEOUT_MS), then everything each link holds is deleted; started links are removed.
 * The consent records stay (pseudonymised with the rest), without the banks' ids for them.
 */
export async function endLinksOfClosingAccount(deps: Deps, trx: Trx, userId: string): Promise<void> {
  for (const linkId of await pendingLinkIdsOfUser(trx, userId)) await deletePendingLink(trx, linkId);
  for (const link of await activeLinksOfUser(trx, userId)) {
    const bankTold = await revokeGrantAtBank(deps, trx, link);
    await endLinkInTransaction(deps, trx, { linkId: link.id, by: "person", at: deps.clock.now(), bankTold });
  }
  await forgetBankConsentIds(trx, userId);
}
