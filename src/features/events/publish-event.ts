import type { Trx } from "../../platform/db";
import { insertEvents } from "./events.repository";

/** Recipients of one event: a thread has at most 50 members, a payment two people. */
export const EVENT_RECIPIENTS_MAX = 1_000;
/** An event carries a DTO; anything bigger belongs behind a GET the client makes when told. */
export const EVENT_DATA_MAX_BYTES = 64 * 1024;
const EVENT_TYPE_MAX_LENGTH = 64;
/** Dotted lower-case names such as `payment.updated` (the migration checks the same). */
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * Records a live event for each person, in the caller's transaction (delivered only if it
 * commits): at once, or at its end when the transaction gathers its writes (gatherWrites).
 */
export async function publishEvent(
  trx: Trx,
  event: { userIds: readonly string[]; type: string; data: Record<string, unknown>; at: Date },
): Promise<void> {
  const userIds = [...new Set(event.userIds)];
  if (userIds.length === 0) return;
  // These are programming errors, not client input: fail the transaction loudly.
  if (userIds.length > EVENT_RECIPIENTS_MAX) {
    throw new Error(`An event may go to at most ${EVENT_RECIPIENTS_MAX} people, not ${userIds.length}`);
  }
  if (event.type.length > EVENT_TYPE_MAX_LENGTH || !EVENT_TYPE.test(event.type)) {
    throw new Error(`Event type ${JSON.stringify(event.type)} is not a dotted lower-case name`);
  }
  const data = JSON.stringify(event.data);
  const bytes = new TextEncoder().encode(data).byteLength;
  if (bytes > EVENT_DATA_MAX_BYTES) {
    throw new Error(`Event ${event.type} carries ${bytes} bytes; the limit is ${EVENT_DATA_MAX_BYTES}`);
  }
  await insertEvents(
    trx,
    userIds.map((user_id) => ({ user_id, type: event.type, data, created_at: event.at })),
  );
}
