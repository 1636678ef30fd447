/**
 * The Postgres channel publishers notify (payload: a user id) in the transaction that writes
 * the events, so the notification goes out at commit and never for a rolled-back write.
 */
export const EVENTS_CHANNEL = "user_events";

/**
 * Wakes the live streams of a person when their events may have changed. Notifications carry
 * no events: the user_events table is the source of truth, and a woken stream reads it. So an
 * implementation may wake too often (a spurious read) but must never stay silent after a commit
 * it could have missed; when in doubt, it wakes everyone.
 *
 * Node listens on one shared Postgres connection (event-notifier-pg.ts); a runtime without
 * long-lived connections (Workers) can implement this by polling.
 */
export type EventNotifier = {
  /** Calls wake whenever events for this person may have been committed; returns the unsubscribe. */
  subscribe(userId: string, wake: () => void): () => void;
};

/** The in-process fan-out every implementation shares: person -> the wake callbacks of their streams. */
export type SubscriberSet = EventNotifier & {
  wake(userId: string): void;
  wakeAll(): void;
  /** Subscriptions (one per open stream). */
  readonly size: number;
};

export function createSubscriberSet(): SubscriberSet {
  const byUser = new Map<string, Set<() => void>>();
  let size = 0;
  // A wake callback that throws must not starve the other streams of the same notification.
  const call = (wake: () => void) => {
    try {
      wake();
    } catch {
      // The stream's own loop reports its failures; a wake is only a nudge.
    }
  };
  return {
    subscribe(userId, wake) {
      let callbacks = byUser.get(userId);
      if (!callbacks) {
        callbacks = new Set();
        byUser.set(userId, callbacks);
      }
      // Wrapped so the same function subscribed twice is two subscriptions, each removed once.
      const entry = () => wake();
      callbacks.add(entry);
      size++;
      return () => {
        const current = byUser.get(userId);
        if (!current?.delete(entry)) return;
        size--;
        if (current.size === 0) byUser.delete(userId);
      };
    },
    wake(userId) {
      const callbacks = byUser.get(userId);
      if (callbacks) for (const wake of [...callbacks]) call(wake);
    },
    wakeAll() {
      for (const callbacks of [...byUser.values()]) for (const wake of [...callbacks]) call(wake);
    },
    get size() {
      return size;
    },
  };
}
