import type { Deps } from "../../deps";
import { withTransaction } from "../../platform/db";
import { forgetEvents } from "../events";
import { deleteThreadMessages } from "../threads";
import {
  deleteAlertsBefore,
  deleteOutboxBefore,
  deletePendingLink,
  listLinkIds,
  listLinksSealedWith,
  listLinksToRemind,
  listLinksWithContentBefore,
  lockLink,
  lockSecret,
  purgeWebhookEventsBefore,
  updateLink,
  upsertSecret,
} from "./banks.repository";
import { deliverOutbox } from "./deliver-outbox";
import { endLink } from "./end-link";
import { logAccess, postBankMessage } from "./link-context";
import { keyIds, openSecret, sealSecret } from "./token-vault";

const SWEEP_BATCH = 100;

/** Deletes a link's delivered content older than the retention window, and its live events. */
async function purgeOldContent(deps: Pick<Deps, "db" | "clock">, linkId: string, cutoff: Date): Promise<number> {
  const now = deps.clock.now();
  return withTransaction(deps.db, async (trx) => {
    const link = await lockLink(trx, linkId);
    if (link?.status !== "active" || !link.thread_id) return 0;
    const alertIds = await deleteAlertsBefore(trx, link.id, cutoff);
    const outbox = await deleteOutboxBefore(trx, link.id, cutoff);
    const messageIds = await deleteThreadMessages(trx, { threadId: link.thread_id, before: cutoff });
    await forgetEvents(trx, { userIds: [link.user_id], objectIds: alertIds });
    await logAccess(trx, link, "content_purged", now, {
      reason: "retention",
      messages: messageIds.length,
      alerts: alertIds.length,
      outbox,
    });
    return messageIds.length;
  });
}

/** Asks the person, in the bank's thread, to renew a consent about to expire (once per period). */
async function remindToReconfirm(deps: Pick<Deps, "db" | "clock">, linkId: string): Promise<boolean> {
  const now = deps.clock.now();
  return withTransaction(deps.db, async (trx) => {
    const link = await lockLink(trx, linkId);
    if (link?.status !== "active" || link.reminded_at || !link.expires_at) return false;
    await postBankMessage(
      trx,
      link,
      `Your permission to bring these updates into chat-pay ends on ${link.expires_at.toISOString().slice(0, 10)}. Renew it under Security to keep them coming; otherwise the link ends then and everything here is deleted.`,
      now,
    );
    await updateLink(trx, link.id, { reminded_at: now, updated_at: now });
    return true;
  });
}

/**
 * Re-seals, with the current key, secrets an older listed key sealed (a key rotation); returns
 * how many. A secret whose key is no longer listed cannot be opened and is left as it is: its
 * link can still end (the bank is then not told), but not be used.
 */
async function resealWithCurrentKey(deps: Pick<Deps, "db" | "clock" | "config" | "logger">): Promise<number> {
  const [current, ...older] = await keyIds(deps.config);
  if (!current || older.length === 0) return 0;
  let resealed = 0;
  for (const linkId of await listLinksSealedWith(deps.db, older, SWEEP_BATCH)) {
    const done = await withTransaction(deps.db, async (trx) => {
      const sealed = await lockSecret(trx, linkId);
      if (!sealed || sealed.key_id === current) return false;
      const secret = await openSecret(deps.config, linkId, sealed);
      await upsertSecret(trx, linkId, await sealSecret(deps.config, linkId, secret), deps.clock.now());
      return true;
    }).catch((err: unknown) => {
      // One that does not open (tampered with) must not hold up the rest of the sweep.
      deps.logger.warn(
        { link_id: linkId, code: err instanceof Error ? err.name : "unknown" },
        "bank secret not re-sealed",
      );
      return false;
    });
    if (done) resealed++;
  }
  if (resealed > 0) deps.logger.info({ resealed }, "bank secrets re-sealed with the current key");
  return resealed;
}

/**
 * The banks' housekeeping: consents about to expire are brought up for renewal, links past
 * their expiry end (the bank told, everything deleted), authorizations never completed lapse,
 * delivered content leaves after the retention window, secrets sealed with an older key are
 * re-sealed with the current one (so after a rotation the old key can go once a sweep has re-sealed
 * none), queued answers and messages are retried, and event ids older than twice the signature
 * tolerance (past which a replay is refused as stale anyway) are forgotten. Bounded batches;
 * safe to run twice at once (rows are locked, and ending a link that ended is a no-op).
 */
export async function sweepBanks(deps: Pick<Deps, "db" | "clock" | "config" | "logger">) {
  const now = deps.clock.now();
  let expired = 0;
  for (const linkId of await listLinkIds(deps.db, { status: "active", expiringBefore: now }, SWEEP_BATCH)) {
    if ((await endLink(deps, { linkId, by: "expiry" }))?.status === "expired") expired++;
  }
  let reminded = 0;
  const soon = new Date(now.getTime() + deps.config.banks.reconfirmNoticeMs);
  for (const linkId of await listLinksToRemind(deps.db, soon, SWEEP_BATCH)) {
    if (await remindToReconfirm(deps, linkId)) reminded++;
  }
  const lapsed = await listLinkIds(deps.db, { status: "pending", authorizeBefore: now }, SWEEP_BATCH);
  for (const linkId of lapsed) await withTransaction(deps.db, (trx) => deletePendingLink(trx, linkId));
  const cutoff = new Date(now.getTime() - deps.config.banks.retentionMs);
  let messagesPurged = 0;
  for (const linkId of await listLinksWithContentBefore(deps.db, cutoff, SWEEP_BATCH)) {
    messagesPurged += await purgeOldContent(deps, linkId, cutoff);
  }
  const resealed = deps.config.banks.tokenKeys.length > 0 ? await resealWithCurrentKey(deps) : 0;
  const sent = await deliverOutbox(deps);
  const eventsForgotten = await purgeWebhookEventsBefore(
    deps.db,
    new Date(now.getTime() - 2 * deps.config.banks.webhookToleranceMs),
  );
  return { expired, reminded, lapsed: lapsed.length, messagesPurged, resealed, sent, eventsForgotten };
}
