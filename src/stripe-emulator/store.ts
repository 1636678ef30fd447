import type { Clock } from "../platform/clock";
import type { TestCard } from "./catalog";
import type { Form } from "./form";
import * as o from "./objects";
import { createWebhookSender, type Deliver } from "./webhooks";

/** What the /v1 middleware hands each route: the parsed form, Stripe-Account, and the Idempotency-Key. */
export type EmulatorEnv = {
  Variables: { form: Form; account: string | undefined; idempotencyKey: string | undefined };
};

export type Stored = o.StripeObject;
/** An event as sent, with the connected account it concerns (Connect events only). */
export type EmittedEvent = ReturnType<typeof o.event> & { account?: string };
/** One injected fault, taken by the next request (or the next whose method and path match `on`). */
export type Fault = ({ status: 429 | 500 | 503; delayMs?: number } | { status?: undefined; delayMs: number }) & {
  on?: RegExp;
};
/** A finished idempotent request, kept so a retry with the same key gets the same answer. */
export type IdempotentAnswer = { fingerprint: string; status: number; body: string };

/**
 * Everything the emulator holds, shared by every resource's routes: Stripe objects by id,
 * the state behind them that Stripe does not show, the events sent, and what tests inject.
 */
export function createEmulatorStore(options: { clock: Clock; webhookSecret: string; deliver?: Deliver }) {
  const { clock } = options;
  const objects = new Map<string, Stored>();
  const events: EmittedEvent[] = [];
  const faults: Fault[] = [];
  const webhooks = createWebhookSender({ deliver: options.deliver, secret: options.webhookSecret, clock });

  const now = () => Math.floor(clock.now().getTime() / 1000);
  /** The object with this id, if there is one (and it is an `object` when one is named). */
  const get = (id: string | undefined, object?: string): Stored | undefined => {
    const found = id ? objects.get(id) : undefined;
    return found && (!object || found.object === object) ? found : undefined;
  };
  const put = <T extends Stored>(value: T): T => {
    objects.set(value.id, value);
    return value;
  };

  return {
    now,
    get,
    put,
    all: () => [...objects.values()],
    /** Forgets an object (Stripe's deletions). */
    drop: (id: string) => objects.delete(id),
    /** The test card behind each payment method: it decides how setups and charges go. */
    cardsByPaymentMethod: new Map<string, TestCard>(),
    /** Connect accounts as the emulator keeps them; accounts.ts builds what Stripe returns from each. */
    accounts: new Map<string, o.AccountState>(),
    /** The connected account each payout was made on. */
    payoutAccounts: new Map<string, string>(),
    /** Whether payouts settle by themselves, and whether they settle as failed. */
    payoutSettlement: { auto: true, fail: false },
    /** Answers by Idempotency-Key. */
    idempotency: new Map<string, IdempotentAnswer>(),
    events,
    webhooks,
    /** Records an event and queues it for webhook delivery. */
    emit(type: string, object: Stored, extra: { account?: string; idempotencyKey?: string | null } = {}) {
      const event = o.event({
        id: o.stripeId("evt"),
        created: now(),
        type,
        object: structuredClone(object),
        idempotencyKey: extra.idempotencyKey ?? null,
      });
      const stored: EmittedEvent = put(extra.account ? { ...event, account: extra.account } : event);
      events.push(stored);
      webhooks.send(JSON.stringify(stored));
    },
    failNext(...next: Fault[]) {
      faults.push(...next);
    },
    /** Removes and returns the first injected fault that applies to `request` ("METHOD /path"). */
    takeFault(request: string): Fault | undefined {
      const index = faults.findIndex((f) => !f.on || f.on.test(request));
      return index < 0 ? undefined : faults.splice(index, 1)[0];
    },
  };
}

export type EmulatorStore = ReturnType<typeof createEmulatorStore>;
