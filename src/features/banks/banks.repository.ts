import type { Insertable, Updateable } from "kysely";
import type {
  BankAccessLogTable,
  BankAlert,
  BankAlertsTable,
  BankLink,
  BankLinksTable,
  BankOutboxItem,
  BankOutboxTable,
} from "../../../db/schema";
import type { AuditDetail } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import type { SealedSecret } from "./token-vault";

export function insertLink(db: Db | Trx, row: Insertable<BankLinksTable>): Promise<BankLink> {
  return db.insertInto("bank_links").values(row).returningAll().executeTakeFirstOrThrow();
}

/** Takes the pending link this state was issued for, so the state is used at most once. */
export function claimPendingLink(trx: Trx, userId: string, stateHash: string): Promise<BankLink | undefined> {
  return trx
    .updateTable("bank_links")
    .set({ oauth_state_hash: null })
    .where("user_id", "=", userId)
    .where("oauth_state_hash", "=", stateHash)
    .where("status", "=", "pending")
    .returningAll()
    .executeTakeFirst();
}

/** The link, only if it is this person's. */
export function findLinkForUser(db: Db | Trx, linkId: string, userId: string): Promise<BankLink | undefined> {
  return db
    .selectFrom("bank_links")
    .selectAll()
    .where("id", "=", linkId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

export function lockLink(trx: Trx, linkId: string): Promise<BankLink | undefined> {
  return trx.selectFrom("bank_links").selectAll().where("id", "=", linkId).forUpdate().executeTakeFirst();
}

export function findLinkByConsent(db: Db | Trx, partnerId: string, consentId: string): Promise<BankLink | undefined> {
  return db
    .selectFrom("bank_links")
    .selectAll()
    .where("partner_id", "=", partnerId)
    .where("bank_consent_id", "=", consentId)
    .executeTakeFirst();
}

export function updateLink(trx: Trx, linkId: string, patch: Updateable<BankLinksTable>): Promise<BankLink> {
  return trx.updateTable("bank_links").set(patch).where("id", "=", linkId).returningAll().executeTakeFirstOrThrow();
}

/** Removes a link that never became active, with its secret (a pending authorization that failed or lapsed). */
export async function deletePendingLink(trx: Trx, linkId: string): Promise<void> {
  await trx.deleteFrom("bank_link_secrets").where("link_id", "=", linkId).execute();
  await trx.deleteFrom("bank_links").where("id", "=", linkId).where("status", "=", "pending").execute();
}

export function listLinksOfUser(db: Db, userId: string): Promise<BankLink[]> {
  return db
    .selectFrom("bank_links")
    .selectAll()
    .where("user_id", "=", userId)
    .where("status", "!=", "pending")
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
}

export async function listLinkIds(
  db: Db,
  where: { status: "active"; expiringBefore?: Date } | { status: "pending"; authorizeBefore: Date },
  limit: number,
): Promise<string[]> {
  let query = db.selectFrom("bank_links").select("id").where("status", "=", where.status);
  if (where.status === "active" && where.expiringBefore) query = query.where("expires_at", "<=", where.expiringBefore);
  if (where.status === "pending") query = query.where("authorize_by", "<=", where.authorizeBefore);
  return (await query.orderBy("id").limit(limit).execute()).map((row) => row.id);
}

/** Drops the banks' own ids for the person's consents (ids a bank could tie back to them). */
export async function forgetBankConsentIds(trx: Trx, userId: string): Promise<void> {
  await trx.updateTable("bank_links").set({ bank_consent_id: null }).where("user_id", "=", userId).execute();
}

export function activeLinksOfUser(db: Db | Trx, userId: string): Promise<BankLink[]> {
  return db.selectFrom("bank_links").selectAll().where("user_id", "=", userId).where("status", "=", "active").execute();
}

export async function upsertSecret(trx: Trx, linkId: string, sealed: SealedSecret, at: Date): Promise<void> {
  await trx
    .insertInto("bank_link_secrets")
    .values({ link_id: linkId, ...sealed, updated_at: at })
    .onConflict((oc) => oc.column("link_id").doUpdateSet({ ...sealed, updated_at: at }))
    .execute();
}

export function findSecret(db: Db | Trx, linkId: string) {
  return db.selectFrom("bank_link_secrets").selectAll().where("link_id", "=", linkId).executeTakeFirst();
}

export function lockSecret(trx: Trx, linkId: string) {
  return trx.selectFrom("bank_link_secrets").selectAll().where("link_id", "=", linkId).forUpdate().executeTakeFirst();
}

/** Links whose secret one of these keys sealed (older keys, after a rotation). */
export async function listLinksSealedWith(db: Db, keyIds: readonly string[], limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("bank_link_secrets")
    .select("link_id")
    .where("key_id", "in", keyIds)
    .orderBy("link_id")
    .limit(limit)
    .execute();
  return rows.map((row) => row.link_id);
}

export function insertAlert(trx: Trx, row: Insertable<BankAlertsTable>): Promise<BankAlert> {
  return trx.insertInto("bank_alerts").values(row).returningAll().executeTakeFirstOrThrow();
}

export function lockAlertByBankId(trx: Trx, linkId: string, bankAlertId: string): Promise<BankAlert | undefined> {
  return trx
    .selectFrom("bank_alerts")
    .selectAll()
    .where("link_id", "=", linkId)
    .where("bank_alert_id", "=", bankAlertId)
    .forUpdate()
    .executeTakeFirst();
}

export function lockAlert(trx: Trx, alertId: string): Promise<BankAlert | undefined> {
  return trx.selectFrom("bank_alerts").selectAll().where("id", "=", alertId).forUpdate().executeTakeFirst();
}

export function updateAlert(trx: Trx, alertId: string, patch: Updateable<BankAlertsTable>): Promise<BankAlert> {
  return trx.updateTable("bank_alerts").set(patch).where("id", "=", alertId).returningAll().executeTakeFirstOrThrow();
}

export function listAlertsOfLink(db: Db, linkId: string): Promise<BankAlert[]> {
  return db.selectFrom("bank_alerts").selectAll().where("link_id", "=", linkId).orderBy("created_at").execute();
}

export function insertOutbox(trx: Trx, row: Insertable<BankOutboxTable>): Promise<BankOutboxItem> {
  return trx.insertInto("bank_outbox").values(row).returningAll().executeTakeFirstOrThrow();
}

/** Due items, each taken by one sender at a time (others skip it). */
export function lockDueOutbox(trx: Trx, now: Date, limit: number, id?: string): Promise<BankOutboxItem[]> {
  let query = trx
    .selectFrom("bank_outbox")
    .selectAll()
    .where("state", "=", "pending")
    .where("next_attempt_at", "<=", now);
  if (id) query = query.where("id", "=", id);
  return query.orderBy("next_attempt_at").limit(limit).forUpdate().skipLocked().execute();
}

export async function updateOutbox(trx: Trx, id: string, patch: Updateable<BankOutboxTable>): Promise<void> {
  await trx.updateTable("bank_outbox").set(patch).where("id", "=", id).execute();
}

/**
 * Deletes what the link holds (secret, alerts, outbox); with `messageIds`, only the alerts on
 * those messages (a retention purge). Returns how many rows went.
 */
export async function deleteLinkContent(
  trx: Trx,
  linkId: string,
  messageIds?: readonly string[],
): Promise<{ alerts: number; outbox: number; secrets: number }> {
  let alerts = trx.deleteFrom("bank_alerts").where("link_id", "=", linkId);
  if (messageIds) {
    if (messageIds.length === 0) return { alerts: 0, outbox: 0, secrets: 0 };
    alerts = alerts.where("message_id", "in", messageIds);
    const deleted = await alerts.executeTakeFirst();
    return { alerts: Number(deleted.numDeletedRows), outbox: 0, secrets: 0 };
  }
  const deletedAlerts = await alerts.executeTakeFirst();
  const outbox = await trx.deleteFrom("bank_outbox").where("link_id", "=", linkId).executeTakeFirst();
  const secrets = await trx.deleteFrom("bank_link_secrets").where("link_id", "=", linkId).executeTakeFirst();
  return {
    alerts: Number(deletedAlerts.numDeletedRows),
    outbox: Number(outbox.numDeletedRows),
    secrets: Number(secrets.numDeletedRows),
  };
}

/** Deletes a link's outbox items older than the cutoff (what the person wrote, sent or not). */
export async function deleteOutboxBefore(trx: Trx, linkId: string, cutoff: Date): Promise<number> {
  const result = await trx
    .deleteFrom("bank_outbox")
    .where("link_id", "=", linkId)
    .where("created_at", "<", cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Records a bank event id; false when it was seen before (a duplicate delivery). */
export async function recordWebhookEvent(trx: Trx, partnerId: string, eventId: string, at: Date): Promise<boolean> {
  const inserted = await trx
    .insertInto("bank_webhook_events")
    .values({ partner_id: partnerId, event_id: eventId, received_at: at })
    .onConflict((oc) => oc.columns(["partner_id", "event_id"]).doNothing())
    .returning("event_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function purgeWebhookEventsBefore(db: Db, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom("bank_webhook_events").where("received_at", "<", cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertAccessLog(
  trx: Db | Trx,
  row: Omit<Insertable<BankAccessLogTable>, "detail"> & { detail: AuditDetail },
): Promise<void> {
  await trx
    .insertInto("bank_access_log")
    .values({ ...row, detail: JSON.stringify(row.detail) })
    .execute();
}

export function listAccessLog(db: Db, userId: string, beforeId: bigint | undefined, take: number) {
  let query = db.selectFrom("bank_access_log").selectAll().where("user_id", "=", userId);
  if (beforeId !== undefined) query = query.where("id", "<", beforeId);
  return query.orderBy("id", "desc").limit(take).execute();
}

/** Active links whose thread has messages older than the cutoff (a retention purge is due). */
export async function listLinksWithContentBefore(db: Db, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("bank_links")
    .select("bank_links.id")
    .where("bank_links.status", "=", "active")
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom("messages")
            .select("messages.id")
            .whereRef("messages.thread_id", "=", "bank_links.thread_id")
            .where("messages.created_at", "<", cutoff),
        ),
        eb.exists(
          eb
            .selectFrom("bank_outbox")
            .select("bank_outbox.id")
            .whereRef("bank_outbox.link_id", "=", "bank_links.id")
            .where("bank_outbox.created_at", "<", cutoff),
        ),
      ]),
    )
    .orderBy("bank_links.id")
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export async function listAlertIds(trx: Trx, linkId: string, messageIds?: readonly string[]): Promise<string[]> {
  let query = trx.selectFrom("bank_alerts").select("id").where("link_id", "=", linkId);
  if (messageIds) {
    if (messageIds.length === 0) return [];
    query = query.where("message_id", "in", messageIds);
  }
  return (await query.execute()).map((row) => row.id);
}

export function findLink(db: Db | Trx, linkId: string): Promise<BankLink | undefined> {
  return db.selectFrom("bank_links").selectAll().where("id", "=", linkId).executeTakeFirst();
}

export function findOutbox(db: Db, id: string): Promise<BankOutboxItem | undefined> {
  return db.selectFrom("bank_outbox").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Deletes a link's alerts delivered before the cutoff (their messages go next); returns their ids. */
export async function deleteAlertsBefore(trx: Trx, linkId: string, cutoff: Date): Promise<string[]> {
  const rows = await trx
    .deleteFrom("bank_alerts")
    .where("link_id", "=", linkId)
    .where("created_at", "<", cutoff)
    .returning("id")
    .execute();
  return rows.map((row) => row.id);
}

export async function pendingLinkIdsOfUser(trx: Trx, userId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom("bank_links")
    .select("id")
    .where("user_id", "=", userId)
    .where("status", "=", "pending")
    .execute();
  return rows.map((row) => row.id);
}

/** Active links expiring before the time whose person has not been reminded yet. */
export async function listLinksToRemind(db: Db, expiringBefore: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("bank_links")
    .select("id")
    .where("status", "=", "active")
    .where("expires_at", "<=", expiringBefore)
    .where("reminded_at", "is", null)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
