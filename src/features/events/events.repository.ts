import { sql } from "kysely";
import type { Db, Trx } from "../../platform/db";
import { EVENTS_CHANNEL } from "../../platform/event-notifier";
import { appendRows } from "../../platform/gathered-writes";

/**
 * A position in a person's stream. Streams walk rows in (tx_id, id) order, not id order: ids
 * are taken at insert time, so a lower id can commit after a higher one (see the migration).
 */
export type EventCursor = { txId: string; id: bigint };

/** Before every event. */
export const CURSOR_ORIGIN: EventCursor = { txId: "0", id: 0n };

/** An event as it goes on the wire; data is the stored JSON text, never re-serialised. */
export type StreamEvent = { id: bigint; txId: string; type: string; dataJson: string };

// Rows whose transaction is older than every transaction still running are final: nothing
// can commit before them any more. Evaluated in the reading statement's own snapshot.
const settled = sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * Records events and queues one notification per person with them (in one statement, or with
 * the transaction's other gathered rows): Postgres sends the notifications at commit (one per
 * person, however many events) and drops them on rollback.
 */
export function insertEvents(
  trx: Trx,
  rows: readonly { user_id: string; type: string; data: string; created_at: Date }[],
): Promise<void> {
  return appendRows(trx, "user_events", rows, { channel: EVENTS_CHANNEL, column: "user_id" });
}

/** Where a stream that asks for nothing old starts: after the person's newest settled event. */
export async function findLatestCursor(db: Db, userId: string): Promise<EventCursor> {
  const row = await db
    .selectFrom("user_events")
    .select(["tx_id", "id"])
    .where("user_id", "=", userId)
    .where(settled)
    .orderBy("tx_id", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { txId: row.tx_id, id: row.id } : CURSOR_ORIGIN;
}

/** The position of one of this person's events; undefined if it is not theirs or no longer kept. */
export async function findCursorOf(db: Db, userId: string, id: bigint): Promise<EventCursor | undefined> {
  const row = await db
    .selectFrom("user_events")
    .select(["tx_id", "id"])
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row ? { txId: row.tx_id, id: row.id } : undefined;
}

/**
 * The person's settled events after the cursor, in stream order, at most `take`; `unsettled`
 * says rows are already committed (or still in flight) behind an older running transaction
 * and must be read again shortly: no notification will announce that transaction's end.
 */
export async function listEventsAfter(
  db: Db,
  userId: string,
  after: EventCursor,
  take: number,
): Promise<{ events: StreamEvent[]; unsettled: boolean }> {
  const rows = await db
    .selectFrom("user_events")
    .select(["id", "tx_id", "type", sql<string>`data::text`.as("data_json"), settled.as("settled")])
    .where("user_id", "=", userId)
    .where(sql<boolean>`(tx_id, id) > (${after.txId}::xid8, ${after.id})`)
    .orderBy("tx_id")
    .orderBy("id")
    .limit(take)
    .execute();
  // Ordered by tx_id, the settled rows come first.
  const events: StreamEvent[] = [];
  for (const row of rows) {
    if (!row.settled) return { events, unsettled: true };
    events.push({ id: row.id, txId: row.tx_id, type: row.type, dataJson: row.data_json });
  }
  return { events, unsettled: false };
}

/** Deletes up to batchSize events created before the cutoff; concurrent sweepers take disjoint rows. */
export async function purgeEventsBefore(db: Db, cutoff: Date, batchSize: number): Promise<number> {
  const result = await db
    .deleteFrom("user_events")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("user_events")
        .select("id")
        .where("created_at", "<", cutoff)
        .orderBy("created_at")
        .limit(batchSize)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes these people's events whose data is about one of these objects (`data.id`). */
export async function deleteEventsAbout(
  trx: Trx,
  userIds: readonly string[],
  objectIds: readonly string[],
): Promise<number> {
  if (userIds.length === 0 || objectIds.length === 0) return 0;
  const result = await trx
    .deleteFrom("user_events")
    .where("user_id", "in", userIds)
    .where(sql<string>`data->>'id'`, "in", objectIds)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
