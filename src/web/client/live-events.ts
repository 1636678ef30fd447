import { type Api, ApiError, fetchOrThrow } from "./api";
import type { LiveEvent } from "./api-types";
import { createSseParser } from "./sse";
import type { Store } from "./store";

const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

/**
 * Keeps one event stream open for as long as the session lasts: reads `GET /v1/events` with
 * fetch (it needs the Authorization header), applies each event to the store, and reconnects
 * with backoff, sending `Last-Event-ID` so the server replays whatever was missed meanwhile.
 */
export async function runLiveEvents(api: Api, store: Store, signal: AbortSignal): Promise<void> {
  let lastEventId: string | undefined;
  let delayMs = RECONNECT_MIN_MS;
  while (!signal.aborted) {
    const parser = createSseParser();
    try {
      const headers: Record<string, string> = { Authorization: api.authorization(), Accept: "text/event-stream" };
      if (lastEventId) headers["Last-Event-ID"] = lastEventId;
      const response = await fetchOrThrow("/v1/events", { headers, signal, cache: "no-store" });
      if (response.status === 401) {
        api.unauthenticated();
        return;
      }
      if (!response.ok || !response.body) throw new ApiError(response.status, {});
      store.setConnection("live");
      delayMs = RECONNECT_MIN_MS;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          if (event.id) lastEventId = event.id;
          apply(store, event.event, event.data);
        }
      }
    } catch {
      // Nothing to tell the person beyond the connection badge: the stream comes back by itself.
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    store.setConnection("reconnecting");
    const wait = Math.max(parser.retryMs ?? 0, delayMs) * (0.75 + Math.random() * 0.5);
    await new Promise((resolve) => setTimeout(resolve, wait));
    delayMs = Math.min(delayMs * 2, RECONNECT_MAX_MS);
  }
}

function apply(store: Store, type: string, data: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return;
  }
  const event = { type, data: parsed } as LiveEvent;
  switch (event.type) {
    case "thread.created":
      store.threadCreated(event.data);
      break;
    case "message.created":
      store.messageArrived(event.data);
      break;
    case "payment.updated":
      store.putPayment(event.data);
      break;
    case "request.updated":
      store.putRequest(event.data);
      break;
    case "bank_alert.updated":
      store.bankAlertUpdated(event.data);
      break;
    case "bank_link.updated":
      store.bankLinkUpdated(event.data);
      break;
    default:
      // Event types this client does not know yet are ignored, as the API allows new ones.
      break;
  }
}
