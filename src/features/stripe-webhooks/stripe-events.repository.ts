import type { Db, Trx } from "../../platform/db";

export async function eventSeen(db: Db, eventId: string): Promise<boolean> {
  return (
    (await db.selectFrom("stripe_events").select("event_id").where("event_id", "=", eventId).executeTakeFirst()) !==
    undefined
  );
}

/** Records the event once; false when another delivery of it got there first. */
export async function recordEvent(
  trx: Trx,
  row: { event_id: string; type: string; object_id: string; account_id: string | null; received_at: Date },
): Promise<boolean> {
  const inserted = await trx
    .insertInto("stripe_events")
    .values(row)
    .onConflict((oc) => oc.column("event_id").doNothing())
    .returning("event_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Deletes up to `limit` recorded events received before `cutoff`; returns how many went. */
export async function deleteEventsBefore(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom("stripe_events")
    .where(
      "event_id",
      "in",
      db.selectFrom("stripe_events").select("event_id").where("received_at", "<", cutoff).limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
