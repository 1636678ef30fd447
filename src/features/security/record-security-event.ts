import type { SecurityEventKind } from "../../../db/schema";
import type { AuditDetail } from "../../deps";
import type { Clock } from "../../platform/clock";
import type { Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { insertSecurityEvent } from "./security-events.repository";

/** Appends an audit row inside the caller's transaction; detail must never hold a PIN, hash, pepper or challenge. */
export function recordSecurityEvent(
  trx: Trx,
  clock: Clock,
  event: { userId: string; kind: SecurityEventKind; detail?: AuditDetail },
): Promise<void> {
  return insertSecurityEvent(trx, {
    id: newId("sev"),
    user_id: event.userId,
    kind: event.kind,
    detail: event.detail ?? {},
    created_at: clock.now(),
  });
}
