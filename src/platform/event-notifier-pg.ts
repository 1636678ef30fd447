import pg from "pg";
import { createSubscriberSet, EVENTS_CHANNEL, type EventNotifier } from "./event-notifier";
import type { Logger } from "./logger";

/** How the listening connection shows up in pg_stat_activity (operators and tests find it by this). */
export const EVENT_NOTIFIER_APPLICATION_NAME = "chat-pay-event-notifier";
const RECONNECT_DELAY_MS_MIN = 100;
const RECONNECT_DELAY_MS_MAX = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A connection that only listens sends nothing, so a dead peer behind a silent network would go
 * unnoticed for as long as TCP keepalive takes (hours by default); a periodic query notices sooner.
 */
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 10_000;
const TCP_KEEPALIVE_DELAY_MS = 10_000;

export type PgEventNotifier = EventNotifier & {
  /** Connects and listens; rejects when the first connection fails (start-up should fail loudly). */
  start(): Promise<void>;
  /** Stops listening and reconnecting. */
  stop(): Promise<void>;
  /** Whether a listening connection is up right now. */
  readonly listening: boolean;
};

/**
 * One LISTEN connection per process, shared by every stream in it. When the connection drops,
 * it reconnects with backoff and then wakes every stream: notifications sent while nobody was
 * listening are lost, and a reread of the table is what makes up for them. (One closure of
 * small steps over shared state: the connection, its reconnect timer and the subscribers.)
 */
export function createPgEventNotifier(options: { url: string; logger: Logger }): PgEventNotifier {
  const subscribers = createSubscriberSet();
  let client: pg.Client | undefined;
  let stopped = false;
  let reconnectDelayMs = RECONNECT_DELAY_MS_MIN;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({
      connectionString: options.url,
      application_name: EVENT_NOTIFIER_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: PING_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: TCP_KEEPALIVE_DELAY_MS,
    });
    next.on("notification", (message) => {
      if (message.channel === EVENTS_CHANNEL && message.payload) subscribers.wake(message.payload);
    });
    // Both fire when the server terminates the backend; either one means this connection is gone.
    next.on("error", (err) => lost(next, err));
    next.on("end", () => lost(next, undefined));
    try {
      await next.connect();
      await next.query(`listen ${EVENTS_CHANNEL}`);
    } catch (err) {
      next.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    reconnectDelayMs = RECONNECT_DELAY_MS_MIN;
    pingTimer = setInterval(() => ping(next), PING_INTERVAL_MS);
    pingTimer.unref();
    // Anything committed while nobody listened went unannounced: every stream rereads.
    subscribers.wakeAll();
  }

  function ping(current: pg.Client): void {
    current.query("select 1").catch((err: unknown) => {
      lost(current, err);
      current.end().catch(() => {});
    });
  }

  function lost(which: pg.Client, err: unknown): void {
    if (which !== client) return;
    client = undefined;
    clearInterval(pingTimer);
    if (stopped) return;
    options.logger.warn({ err }, "event notifier lost its connection; reconnecting");
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer) return;
    // Jittered, so the processes of a fleet do not all reconnect in the same instant.
    const delay = reconnectDelayMs * (0.5 + Math.random());
    reconnectDelayMs = Math.min(reconnectDelayMs * 2, RECONNECT_DELAY_MS_MAX);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(
        () => options.logger.info("event notifier listening again"),
        (err: unknown) => {
          options.logger.warn({ err }, "event notifier could not reconnect; retrying");
          scheduleReconnect();
        },
      );
    }, delay);
    reconnectTimer.unref();
  }

  return {
    subscribe: subscribers.subscribe,
    start: async () => {
      stopped = false;
      await connect();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      clearInterval(pingTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
    get listening() {
      return client !== undefined;
    },
  };
}
