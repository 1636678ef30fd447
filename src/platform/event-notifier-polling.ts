import type { EventNotifier } from "./event-notifier";

/**
 * Wakes each stream on a timer, for runtimes that cannot hold a LISTEN connection (Workers, whose
 * connections belong to one request and whose pooler does not carry notifications). A wake only
 * makes the stream read its events, so a poll costs one small indexed query. Each subscription has
 * its own timer, owned by the request that serves the stream.
 */
export function createPollingEventNotifier(intervalMs: number): EventNotifier {
  return {
    subscribe(_userId, wake) {
      const timer = setInterval(wake, intervalMs);
      return () => clearInterval(timer);
    },
  };
}
