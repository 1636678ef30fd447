import type { Clock } from "../platform/clock";
import { toHex } from "../platform/hex";
import { hmacSha256 } from "../platform/hmac";

/** What the emulator does with an event: post it somewhere and report the HTTP status. */
export type Deliver = (payload: string, headers: Record<string, string>) => Promise<number>;

export type DeliveryMode = {
  /** Deliver every event twice. */
  duplicate: boolean;
  /** Keep events until flush() (a delay as long as the test wants). */
  hold: boolean;
  /** On flush(), deliver held events newest first. */
  reorder: boolean;
};

const RETRY_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

/** Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`. */
export async function signPayload(payload: string, secret: string, timestampSeconds: number): Promise<string> {
  return `t=${timestampSeconds},v1=${toHex(await hmacSha256(secret, `${timestampSeconds}.${payload}`))}`;
}

type Pending = { payload: string; attempts: number; timer?: ReturnType<typeof setTimeout> };

/**
 * Delivers signed events, retrying failures with backoff as Stripe does; test switches
 * duplicate, hold (delay) and reorder deliveries. (One closure of small steps over the queue.)
 */
export function createWebhookSender(options: {
  deliver: Deliver | undefined;
  secret: string;
  clock: Clock;
  /** The header carrying the signature (Stripe's by default; the bank emulator names its own). */
  signatureHeader?: string;
}) {
  const mode: DeliveryMode = { duplicate: false, hold: false, reorder: false };
  const held: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  const retrying = new Set<Pending>();
  let delivered = 0;

  const attempt = (item: Pending): Promise<void> => {
    const run = (async () => {
      if (!options.deliver) return;
      item.attempts++;
      const signature = await signPayload(
        item.payload,
        options.secret,
        Math.floor(options.clock.now().getTime() / 1000),
      );
      const status = await options
        .deliver(item.payload, {
          "Content-Type": "application/json",
          [options.signatureHeader ?? "Stripe-Signature"]: signature,
        })
        .catch(() => 0);
      if (status >= 200 && status < 300) {
        delivered++;
        retrying.delete(item);
        return;
      }
      const backoff = RETRY_BACKOFF_MS[item.attempts - 1];
      if (backoff === undefined) {
        retrying.delete(item);
        return;
      }
      retrying.add(item);
      item.timer = setTimeout(() => void attempt(item), backoff);
      item.timer.unref?.();
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  };

  return {
    mode,
    /** Queues an event for delivery. */
    send(payload: string): void {
      const copies = mode.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const item: Pending = { payload, attempts: 0 };
        if (mode.hold) held.push(item);
        else void attempt(item);
      }
    },
    /** Delivers everything held and retries everything waiting now; resolves when all attempts settle. */
    async flush(): Promise<void> {
      const batch = mode.reorder ? held.splice(0).reverse() : held.splice(0);
      for (const item of batch) await attempt(item);
      for (const item of [...retrying]) {
        clearTimeout(item.timer);
        await attempt(item);
      }
      await Promise.all([...inFlight]);
    },
    /** Resolves once no delivery is in flight. */
    idle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    deliveredCount: () => delivered,
    stop(): void {
      for (const item of retrying) clearTimeout(item.timer);
      retrying.clear();
      held.length = 0;
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
