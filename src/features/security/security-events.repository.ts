import type { SecurityEvent, SecurityEventKind } from "../../../db/schema";
import type { AuditDetail } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import { appendRows } from "../../platform/gathered-writes";

/** Takes a transaction on purpose: an audit row commits with the change it records, or not at all. */
export async function insertSecurityEvent(
  trx: Trx,
  event: { id: string; user_id: string; kind: SecurityEventKind; detail: AuditDetail; created_at: Date },
): Promise<void> {
  await appendRows(trx, "security_events", [{ ...event, detail: JSON.stringify(event.detail) }]);
}

export function listSecurityEventsForUser(
  db: Db,
  userId: string,
  beforeSeq: bigint | undefined,
  take: number,
): Promise<SecurityEvent[]> {
  let query = db.selectFrom("security_events").selectAll().where("user_id", "=", userId);
  if (beforeSeq !== undefined) query = query.where("seq", "<", beforeSeq);
  return query.orderBy("seq", "desc").limit(take).execute();
}
