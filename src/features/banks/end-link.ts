import type { BankLink } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Db, type Trx, withTransaction } from "../../platform/db";
import { forgetEvents, publishEvent } from "../events";
import { deleteThreadMessages } from "../threads";
import { revokeAtBank } from "./bank-client";
import { deleteLinkContent, findLink, findSecret, listAlertIds, lockLink, updateLink } from "./banks.repository";
import { toBankLinkDto } from "./banks.schemas";
import { bankContext, logAccess, postBankMessage } from "./link-context";
import { bankNameOf } from "./partners";
import { openSecret } from "./token-vault";

export type EndedBy = "person" | "bank" | "expiry";

const ENDED_BECAUSE: Record<EndedBy, string> = {
  person: "you unlinked it",
  bank: "it was revoked at the bank",
  expiry: "your permission expired",
};

/**
 * Ends an active link in the caller's transaction: its tokens, alerts, queued answers and every
 * message in its thread (with the live events that carried them) are deleted now; the consent
 * record stays, marked with when and by whom it ended; the thread says the link ended. A link
 * that is not active is left as it is.
 */
export async function endLinkInTransaction(
  deps: Pick<Deps, "config">,
  trx: Trx,
  input: { linkId: string; by: EndedBy; at: Date; bankTold: boolean | null },
): Promise<BankLink | undefined> {
  const link = await lockLink(trx, input.linkId);
  if (link?.status !== "active" || !link.thread_id) return link;
  const alertIds = await listAlertIds(trx, link.id);
  const content = await deleteLinkContent(trx, link.id);
  const messageIds = await deleteThreadMessages(trx, { threadId: link.thread_id });
  await forgetEvents(trx, { userIds: [link.user_id], objectIds: alertIds });
  const ended = await updateLink(trx, link.id, {
    status: input.by === "expiry" ? "expired" : "revoked",
    ended_at: input.at,
    ended_by: input.by,
    stepped_up_until: null,
    updated_at: input.at,
  });
  // A partner since removed from the configuration does not keep its links from ending.
  const bank = bankNameOf(deps, link);
  await postBankMessage(
    trx,
    link,
    `This link with ${bank} ended: ${ENDED_BECAUSE[input.by]}. Everything ${bank} sent here was deleted; your consent record stays in Security.`,
    input.at,
  );
  await logAccess(trx, link, "content_purged", input.at, {
    reason: `link ended (${input.by})`,
    messages: messageIds.length,
    alerts: content.alerts,
    outbox: content.outbox,
    tokens: content.secrets,
  });
  await logAccess(trx, link, "link_ended", input.at, { by: input.by, bank_told: input.bankTold });
  await publishEvent(trx, {
    userIds: [link.user_id],
    type: "bank_link.updated",
    data: toBankLinkDto(ended, bank),
    at: input.at,
  });
  return ended;
}

/**
 * Asks the link's bank to revoke its grant (RFC 7009: revoking the refresh token ends the
 * consent there) before the link ends here. True when the bank took it; false when it could not
 * be told (unreachable, or the secret sealed with a key no longer in BANK_TOKEN_KEYS), which is
 * logged without the token; null when there is nothing to revoke. Never throws: the link ends
 * either way, and the access log records whether the bank was told.
 */
export async function revokeGrantAtBank(
  deps: Pick<Deps, "clock" | "config" | "logger">,
  db: Db | Trx,
  link: Pick<BankLink, "id" | "partner_id">,
): Promise<boolean | null> {
  const sealed = await findSecret(db, link.id);
  if (!sealed) return null;
  try {
    const secret = await openSecret(deps.config, link.id, sealed);
    await revokeAtBank(bankContext(deps, link.partner_id), secret.refresh_token ?? "");
    return true;
  } catch (err) {
    const code = err instanceof AppError ? err.code : err instanceof Error ? err.name : "unknown";
    deps.logger.warn({ link_id: link.id, code }, "bank revocation failed");
    return false;
  }
}

/**
 * Ends a link from this side (the person unlinks, or it expires): the bank is told to revoke
 * its tokens first, then everything the link holds is deleted. A bank that cannot be reached
 * does not keep the link alive: the deletion happens anyway, and the access log records that
 * the bank was not told.
 */
export async function endLink(
  deps: Pick<Deps, "db" | "clock" | "config" | "logger">,
  input: { linkId: string; by: "person" | "expiry" },
): Promise<BankLink | undefined> {
  const link = await findLink(deps.db, input.linkId);
  const bankTold = link?.status === "active" ? await revokeGrantAtBank(deps, deps.db, link) : null;
  return withTransaction(deps.db, (trx) =>
    endLinkInTransaction(deps, trx, { linkId: input.linkId, by: input.by, at: deps.clock.now(), bankTold }),
  );
}
