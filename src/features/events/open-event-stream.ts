import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import {
  CURSOR_ORIGIN,
  type EventCursor,
  findCursorOf,
  findLatestCursor,
  listEventsAfter,
  type StreamEvent,
} from "./events.repository";

/** Events read (and written to the client) at once; a long replay goes page by page. */
export const STREAM_PAGE_SIZE = 100;
/**
 * A stream is ended after this long and the client reconnects (EventSource does so by itself,
 * sending Last-Event-ID): the reconnect authenticates again, so an expired or revoked token
 * stops receiving within this bound.
 */
export const STREAM_MAX_LIFETIME_MS = 30 * 60_000;
/** Sent as `retry:`: how long EventSource waits before reconnecting after a stream ends. */
export const RECONNECT_HINT_MS = 2_000;
/** Rows held back behind an older running transaction are reread after this, doubling up to the max. */
const RECHECK_DELAY_MS_MIN = 10;
const RECHECK_DELAY_MS_MAX = 1_000;
/** A failed read (database unavailable) is retried after this, doubling up to the max. */
const READ_RETRY_DELAY_MS_MIN = 250;
const READ_RETRY_DELAY_MS_MAX = 5_000;

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

/** One event in SSE framing; JSON text has no raw line breaks, so `data:` is always one line. */
export function formatEvent(event: Pick<StreamEvent, "id" | "type" | "dataJson">): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${event.dataJson}\n\n`;
}

/**
 * Opens the signed-in person's live event stream as SSE bytes: first the events after
 * lastEventId (if given), then each new one as it commits, with keep-alive comments between.
 * Throws TOO_MANY_STREAMS before anything is sent when the person (or the process) is at the limit.
 */
export async function openEventStream(
  deps: Pick<Deps, "db" | "events" | "config" | "logger">,
  input: { userId: string; lastEventId: bigint | undefined; signal?: AbortSignal },
): Promise<ReadableStream<Uint8Array>> {
  const { db, events, logger } = deps;
  const { userId } = input;

  let closed = false;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let lifetime: ReturnType<typeof setTimeout> | undefined;
  let recheck: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe = () => {};
  const doorbell = createDoorbell();

  // Idempotent, and the only way a stream ends: client gone, shutdown, lifetime, or failure.
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    clearTimeout(lifetime);
    clearTimeout(recheck);
    unsubscribe();
    release();
    input.signal?.removeEventListener("abort", close);
    doorbell.ring();
    try {
      controller?.close();
    } catch {
      // Already closed or cancelled by the client.
    }
  };
  const release = events.admit(userId, close);

  let cursor: EventCursor;
  try {
    if (input.lastEventId === undefined) cursor = await findLatestCursor(db, userId);
    // An id that is not this person's, or no longer kept, cannot be placed: replay all that is kept.
    else cursor = (await findCursorOf(db, userId, input.lastEventId)) ?? CURSOR_ORIGIN;
  } catch (err) {
    close();
    throw err;
  }
  if (closed) throw new AppError("NOT_READY", { detail: "The server is shutting down; reconnect shortly" });

  // Set when rows may be waiting; the loop reads, and rings of the doorbell wake the loop.
  let dirty = true;
  const wake = () => {
    dirty = true;
    doorbell.ring();
  };
  unsubscribe = events.notifier.subscribe(userId, wake);
  input.signal?.addEventListener("abort", close);
  if (input.signal?.aborted) close();

  let recheckDelayMs = 0;
  const recheckLater = (min: number, max: number) => {
    recheckDelayMs = Math.min(Math.max(recheckDelayMs * 2, min), max);
    if (recheck || closed) return;
    recheck = setTimeout(() => {
      recheck = undefined;
      wake();
    }, recheckDelayMs);
  };
  // Backpressure: nothing more is read from the database while the client has not taken the last chunk.
  const clientReady = () => (controller?.desiredSize ?? 0) > 0;

  const run = async () => {
    while (!closed) {
      if (!dirty || !clientReady()) {
        await doorbell.wait();
        continue;
      }
      dirty = false;
      let page: Awaited<ReturnType<typeof listEventsAfter>>;
      try {
        page = await events.read(() => listEventsAfter(db, userId, cursor, STREAM_PAGE_SIZE));
      } catch (err) {
        if (closed) return;
        logger.warn({ err, user_id: userId }, "event stream read failed; retrying");
        recheckLater(READ_RETRY_DELAY_MS_MIN, READ_RETRY_DELAY_MS_MAX);
        continue;
      }
      if (closed) return;
      const last = page.events.at(-1);
      if (last) {
        controller?.enqueue(encoder.encode(page.events.map(formatEvent).join("")));
        cursor = { txId: last.txId, id: last.id };
        // Progress: the backoff is for a horizon that is stuck, not for a busy person's steady flow.
        recheckDelayMs = 0;
      }
      if (page.events.length === STREAM_PAGE_SIZE) dirty = true;
      else if (page.unsettled) recheckLater(RECHECK_DELAY_MS_MIN, RECHECK_DELAY_MS_MAX);
      else recheckDelayMs = 0;
    }
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (closed) {
          c.close();
          return;
        }
        c.enqueue(encoder.encode(`retry: ${RECONNECT_HINT_MS}\n\n`));
        keepAlive = setInterval(() => {
          // A client that has not taken the last chunk is behind, not idle: no comment needed.
          if (clientReady()) controller?.enqueue(KEEP_ALIVE);
        }, deps.config.events.keepAliveMs);
        lifetime = setTimeout(close, STREAM_MAX_LIFETIME_MS);
        run().catch((err: unknown) => {
          logger.error({ err, user_id: userId }, "event stream failed");
          close();
        });
      },
      pull() {
        doorbell.ring();
      },
      cancel() {
        close();
      },
    },
    // One chunk (a page or a keep-alive) waits for the client at most.
    { highWaterMark: 1 },
  );
}

/** Wakes one waiter; a ring with nobody waiting is remembered, so none is lost between checks. */
function createDoorbell(): { ring(): void; wait(): Promise<void> } {
  let rung = false;
  let waiter: (() => void) | undefined;
  return {
    ring() {
      if (waiter) {
        const resolve = waiter;
        waiter = undefined;
        resolve();
      } else {
        rung = true;
      }
    },
    wait() {
      if (rung) {
        rung = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        waiter = resolve;
      });
    },
  };
}
