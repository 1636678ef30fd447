import type { Deps } from "../../deps";
import { purgeEventsBefore } from "./events.repository";

/**
 * Batches one sweep may delete. Events outnumber other housekeeping rows (several per payment,
 * one per thread member per message), so a sweep takes a few batches, each its own short
 * statement, rather than one unbounded delete.
 */
export const EVENT_PURGE_BATCHES_MAX = 10;

/** Deletes events older than the retention window (EVENTS_RETENTION_DAYS); returns how many went. */
export async function purgeOldEvents(deps: Pick<Deps, "db" | "clock" | "config">, batchSize: number): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - deps.config.events.retentionMs);
  let purged = 0;
  for (let batch = 0; batch < EVENT_PURGE_BATCHES_MAX; batch++) {
    const deleted = await purgeEventsBefore(deps.db, cutoff, batchSize);
    purged += deleted;
    if (deleted < batchSize) break;
  }
  return purged;
}
