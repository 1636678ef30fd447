import type { Trx } from "../../platform/db";
import { deleteEventsAbout } from "./events.repository";

/**
 * Deletes live events about objects that are being deleted (content a person withdrew, or that
 * left its retention window), so no copy of it stays in the event log; in the caller's transaction.
 */
export function forgetEvents(trx: Trx, input: { userIds: readonly string[]; objectIds: readonly string[] }) {
  return deleteEventsAbout(trx, input.userIds, input.objectIds);
}
