import type { Deps } from "../../deps";
import { expireRequest } from "./answer-request";
import { dueRequestIds } from "./requests.repository";

/** Requests one sweep looks at. */
const REQUEST_SWEEP_BATCH_SIZE = 100;

/**
 * The periodic sweep's step for requests: open requests past their expiry end as expired.
 * Each locks its request and re-checks it, so several sweepers may run at once; one failing is
 * logged and the next sweep retries it. Returns how many expired.
 */
export async function sweepRequests(deps: Pick<Deps, "db" | "clock" | "logger">): Promise<number> {
  let expired = 0;
  for (const id of await dueRequestIds(deps.db, deps.clock.now(), REQUEST_SWEEP_BATCH_SIZE)) {
    try {
      await expireRequest(deps, id);
      expired++;
    } catch (err) {
      deps.logger.warn({ err, request_id: id }, "request sweep step failed; next sweep retries");
    }
  }
  return expired;
}
