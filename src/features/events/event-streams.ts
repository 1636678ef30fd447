import type { EventStreams } from "../../deps";
import { AppError } from "../../errors";
import type { EventNotifier } from "../../platform/event-notifier";

/**
 * Stream reads running at once in one process. A reconnect of the notifier wakes every stream
 * together; without a bound, thousands of reads would queue for the pool ahead of API requests.
 */
export const STREAM_READS_IN_FLIGHT_MAX = 4;
/** What a client is told to wait before opening another stream once over a limit. */
const OVER_LIMIT_RETRY_AFTER_SECONDS = 10;

export type EventStreamLimits = { maxStreamsPerUser: number; maxStreams: number };

export function createEventStreams(notifier: EventNotifier, limits: EventStreamLimits): EventStreams {
  const open = new Map<string, Set<() => void>>();
  let total = 0;
  let closing = false;
  let reading = 0;
  const waitingToRead: (() => void)[] = [];

  const tooMany = (detail: string) =>
    new AppError("TOO_MANY_STREAMS", { detail, retryAfterSeconds: OVER_LIMIT_RETRY_AFTER_SECONDS });

  return {
    notifier,
    admit(userId, close) {
      if (closing) throw new AppError("NOT_READY", { detail: "The server is shutting down; reconnect shortly" });
      const mine = open.get(userId) ?? new Set<() => void>();
      if (mine.size >= limits.maxStreamsPerUser) {
        throw tooMany(`At most ${limits.maxStreamsPerUser} event streams may be open per person; close one first`);
      }
      if (total >= limits.maxStreams) throw tooMany("This server has as many event streams open as it allows");
      // Its own entry, so one stream's release can never free another's slot.
      const entry = () => close();
      mine.add(entry);
      open.set(userId, mine);
      total++;
      return () => {
        const current = open.get(userId);
        if (!current?.delete(entry)) return;
        total--;
        if (current.size === 0) open.delete(userId);
      };
    },
    async read(fn) {
      if (reading >= STREAM_READS_IN_FLIGHT_MAX) await new Promise<void>((resolve) => waitingToRead.push(resolve));
      else reading++;
      try {
        return await fn();
      } finally {
        // The slot passes straight to the next waiter, so `reading` never overshoots.
        const next = waitingToRead.shift();
        if (next) next();
        else reading--;
      }
    },
    closeAll() {
      closing = true;
      for (const streams of [...open.values()]) for (const close of [...streams]) close();
    },
    count(userId) {
      return userId === undefined ? total : (open.get(userId)?.size ?? 0);
    },
  };
}
