import type { Deps } from "../../deps";
import type { Trx } from "../../platform/db";
import { revokeAtBank } from "./bank-client";
import { activeLinksOfUser, deletePendingLink, findSecret, pendingLinkIdsOfUser } from "./banks.repository";
import { endLinkInTransaction } from "./end-link";
import { bankContext } from "./link-context";
import { openSecret } from "./token-vault";

/**
 * A person closing their account ends every bank link in the closing transaction (an
 * accountClosing listener): each bank is asked to revoke its tokens (best effort, bounded by
 * BANK_TIMEOUT_MS), then everything each link holds is deleted; started links are removed.
 */
export async function endLinksOfClosingAccount(deps: Deps, trx: Trx, userId: string): Promise<void> {
  for (const linkId of await pendingLinkIdsOfUser(trx, userId)) await deletePendingLink(trx, linkId);
  for (const link of await activeLinksOfUser(trx, userId)) {
    const sealed = await findSecret(trx, link.id);
    let bankTold: boolean | null = null;
    if (sealed) {
      const secret = await openSecret(deps.config, link.id, sealed);
      bankTold = await revokeAtBank(bankContext(deps, link.partner_id), secret.refresh_token ?? "").then(
        () => true,
        () => false,
      );
    }
    await endLinkInTransaction(deps, trx, { linkId: link.id, by: "person", at: deps.clock.now(), bankTold });
  }
}
