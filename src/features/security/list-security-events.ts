import type { SecurityEvent } from "../../../db/schema";
import type { Deps } from "../../deps";
import { page } from "../../http/pagination";
import { listSecurityEventsForUser } from "./security-events.repository";

/** The person's own security events, newest first. */
export async function listSecurityEvents(
  deps: Pick<Deps, "db">,
  input: { userId: string; beforeSeq: bigint | undefined; limit: number },
): Promise<{ items: SecurityEvent[]; next_cursor: string | null }> {
  return page(await listSecurityEventsForUser(deps.db, input.userId, input.beforeSeq, input.limit + 1), input.limit);
}
