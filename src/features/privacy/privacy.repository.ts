import { sql } from "kysely";
import type { Audience, Consent, PrivacySettings } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import type { PersonalEntry } from "./data-map";

export function findSettings(db: Db | Trx, userId: string): Promise<PrivacySettings | undefined> {
  return db.selectFrom("privacy_settings").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

export async function upsertSettings(trx: Trx, settings: PrivacySettings): Promise<PrivacySettings> {
  return trx
    .insertInto("privacy_settings")
    .values(settings)
    .onConflict((oc) =>
      oc.column("user_id").doUpdateSet({
        requests_from: settings.requests_from,
        threads_from: settings.threads_from,
        updated_at: settings.updated_at,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Who this person lets reach them this way (settings not yet chosen: everyone). */
export async function audienceOf(db: Db | Trx, userId: string, column: "requests_from" | "threads_from") {
  const row = await db.selectFrom("privacy_settings").select(column).where("user_id", "=", userId).executeTakeFirst();
  return (row?.[column] ?? "everyone") as Audience;
}

/** Whether `payerId` has ever paid `payeeId` (a confirmed payment that reached them or is on its way). */
export async function hasPaid(db: Db | Trx, payerId: string, payeeId: string): Promise<boolean> {
  const row = await db
    .selectFrom("payments")
    .select("id")
    .where("sender_id", "=", payerId)
    .where("recipient_id", "=", payeeId)
    .where("status", "in", ["awaiting_recipient", "paying_out", "paid_out"])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Every agreement of the person, standing and withdrawn, newest first. */
export function listConsents(db: Db | Trx, userId: string): Promise<Consent[]> {
  return (
    db
      .selectFrom("consents")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("granted_at", "desc")
      // Withdrawing and agreeing again can share an instant: the standing one is the newer.
      .orderBy("withdrawn_at", (ob) => ob.desc().nullsFirst())
      .orderBy("id", "desc")
      .execute()
  );
}

export async function findStandingConsent(db: Db | Trx, userId: string, purpose: string): Promise<Consent | undefined> {
  return (await findStandingConsents(db, userId, [purpose]))[0];
}

/** The standing agreements among these purposes, in one read (at most one per purpose). */
export function findStandingConsents(db: Db | Trx, userId: string, purposes: readonly string[]): Promise<Consent[]> {
  return db
    .selectFrom("consents")
    .selectAll()
    .where("user_id", "=", userId)
    .where("purpose", "in", purposes)
    .where("withdrawn_at", "is", null)
    .execute();
}

/** Records an agreement unless one for the purpose already stands (then undefined). */
export function insertConsentIfNoneStands(trx: Trx, consent: Consent): Promise<Consent | undefined> {
  return trx
    .insertInto("consents")
    .values(consent)
    .onConflict((oc) => oc.columns(["user_id", "purpose"]).where("withdrawn_at", "is", null).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function withdrawConsent(trx: Trx, id: string, at: Date): Promise<Consent | undefined> {
  return trx
    .updateTable("consents")
    .set({ withdrawn_at: at })
    .where("id", "=", id)
    .where("withdrawn_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

/** The rows of one table about the person, only the columns the data map exports, in the order of the exported columns. */
export async function selectRowsAbout(
  db: Db | Trx,
  table: string,
  entry: Pick<PersonalEntry, "rowsAbout" | "exported">,
  userId: string,
): Promise<Record<string, unknown>[]> {
  const columns = sql.join(entry.exported.map((c) => sql.ref(`t.${c}`)));
  const order = sql.join(entry.exported.map((_, i) => sql.raw(String(i + 1))));
  const { rows } = await sql<Record<string, unknown>>`
    select ${columns} from ${sql.table(table)} as t where ${entry.rowsAbout(userId)} order by ${order}`.execute(db);
  return rows;
}

/** The person's payments, oldest first, each with the other person's display name. */
export function listStatementLines(db: Db | Trx, userId: string) {
  return db
    .selectFrom("payments as p")
    .innerJoin("users as other", (join) =>
      join.on((eb) =>
        eb(
          "other.id",
          "=",
          eb.case().when("p.sender_id", "=", userId).then(eb.ref("p.recipient_id")).else(eb.ref("p.sender_id")).end(),
        ),
      ),
    )
    .select([
      "p.id",
      "p.created_at",
      "p.sender_id",
      "p.amount_minor",
      "p.currency",
      "p.status",
      "p.memo",
      "other.id as other_id",
      "other.display_name as other_name",
    ])
    .where((eb) => eb.or([eb("p.sender_id", "=", userId), eb("p.recipient_id", "=", userId)]))
    .orderBy("p.created_at")
    .orderBy("p.id")
    .execute();
}

/** The bank links the person granted: each is a consent record of its own (scopes, purpose, when, until, ended). */
export function listBankConsents(db: Db | Trx, userId: string) {
  return db
    .selectFrom("bank_links")
    .select(["id", "partner_id", "scopes", "purpose", "granted_at", "expires_at", "ended_at", "ended_by"])
    .where("user_id", "=", userId)
    .where("granted_at", "is not", null)
    .$narrowType<{ granted_at: Date }>()
    .orderBy("granted_at", "desc")
    .execute();
}
