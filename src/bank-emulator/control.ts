import { Hono } from "hono";
import { newId } from "../platform/ids";
import { type BankFault, type BankScope, type BankStore, emitBankEvent } from "./store";

type Purchase = { persona: string; merchant: string; amountMinor: number };
/** Send to every consent of the persona, not only those granting the event's scope (to test refusals). */
type Reach = { ignoreScopes?: boolean };

export const MERCHANT_MAX = 80;
const AMOUNT_MAX_MINOR = 10_000_000;

/** A purchase the demo or a test asks for, checked: a seeded persona, a merchant name, a positive amount. */
export function purchaseOf(
  store: BankStore,
  input: { persona: unknown; merchant: unknown; amountMinor: unknown },
): Purchase | undefined {
  const { persona, amountMinor } = input;
  const merchant = typeof input.merchant === "string" ? input.merchant.trim() : "";
  if (typeof persona !== "string" || !store.personas.some((p) => p.persona === persona)) return undefined;
  if (merchant.length === 0 || merchant.length > MERCHANT_MAX) return undefined;
  if (typeof amountMinor !== "number" || !Number.isSafeInteger(amountMinor)) return undefined;
  return amountMinor >= 1 && amountMinor <= AMOUNT_MAX_MINOR ? { persona, merchant, amountMinor } : undefined;
}

/** Consents of the persona that are active and (unless told otherwise) hold the scope. */
function reached(store: BankStore, persona: string, scope: BankScope, reach: Reach) {
  return [...store.consents.values()].filter(
    (c) => c.persona === persona && c.status === "active" && (reach.ignoreScopes || c.scopes.includes(scope)),
  );
}

function checkingOf(store: BankStore, persona: string) {
  const account = store.accountsOf(persona).find((a) => a.accountType === "CHECKING");
  if (!account) throw new Error(`No checking account for persona ${persona}`);
  return account;
}

/** What the demo and the tests make the bank do: card purchases, fraud alerts, revocations, faults. */
export function createBankControl(store: BankStore) {
  return {
    /** A card purchase: posts the transaction and sends a receipt event to each consent with transaction_alerts. */
    purchase(input: Purchase, reach: Reach = {}) {
      const account = checkingOf(store, input.persona);
      const transactionId = newId("btx");
      account.balanceMinor -= input.amountMinor;
      store.transactions.push({
        transactionId,
        accountId: account.accountId,
        merchant: input.merchant,
        amountMinor: input.amountMinor,
        postedAt: store.clock.now(),
      });
      return reached(store, input.persona, "transaction_alerts", reach).map((consent) =>
        emitBankEvent(store, "transaction.created", consent.consentId, {
          transaction_id: transactionId,
          account_id: account.accountId,
          account_number: account.accountNumber,
          merchant: input.merchant,
          amount_minor: input.amountMinor,
          currency: "USD",
        }),
      );
    },
    /** A suspicious purchase: one open alert per consent with fraud_alerts, each sent as an event. */
    fraudAlert(input: Purchase, reach: Reach = {}) {
      const account = checkingOf(store, input.persona);
      return reached(store, input.persona, "fraud_alerts", reach).map((consent) => {
        const alertId = newId("balr");
        store.alerts.set(alertId, {
          alertId,
          consentId: consent.consentId,
          accountId: account.accountId,
          merchant: input.merchant,
          amountMinor: input.amountMinor,
          status: "open",
          answeredKeys: new Set(),
        });
        return {
          alertId,
          ...emitBankEvent(store, "fraud.alert", consent.consentId, {
            alert_id: alertId,
            account_id: account.accountId,
            account_number: account.accountNumber,
            merchant: input.merchant,
            amount_minor: input.amountMinor,
            currency: "USD",
          }),
        };
      });
    },
    /** The person withdraws consent at the bank (or it lapses there): tokens die and the service is told. */
    endConsent(consentId: string, reason: "revoked" | "expired" = "revoked") {
      store.endConsent(consentId, reason);
      return emitBankEvent(store, "consent.revoked", consentId, { reason });
    },
    /** Sends any event, as the bank would (a test's forgeries aside, it is signed). */
    emit: (type: string, consentId: string, data: Record<string, unknown>) =>
      emitBankEvent(store, type, consentId, data),
    failNext(...faults: BankFault[]) {
      store.faults.push(...faults);
    },
    clearFaults() {
      store.faults.length = 0;
    },
    latency: store.latency,
    webhooks: store.webhooks,
    consents: () => [...store.consents.values()],
    received: store.received,
    issuedTokens: store.issuedTokens,
    tokenCount: store.tokenCount,
    account: (accountId: string) => store.accounts.get(accountId),
    alert: (alertId: string) => store.alerts.get(alertId),
  };
}

export type BankControl = ReturnType<typeof createBankControl>;

/** The control knobs over HTTP, for the demo and the browser test: purchases, fraud alerts, revocation. */
export function controlRoutes(store: BankStore, control: BankControl) {
  const bodyOf = (c: { req: { json(): Promise<unknown> } }) =>
    c.req.json().then(
      (b) => (typeof b === "object" && b !== null ? (b as Record<string, unknown>) : {}),
      () => ({}),
    );
  const purchaseOfJson = (body: Record<string, unknown>) =>
    purchaseOf(store, { persona: body.persona, merchant: body.merchant, amountMinor: body.amount_minor });
  const invalid = {
    error: "persona (a seeded one), merchant (1-80 characters) and amount_minor (a positive integer) are required",
  };

  return new Hono()
    .get("/control/consents", (c) => c.json({ consents: control.consents() }))
    .post("/control/purchases", async (c) => {
      const purchase = purchaseOfJson(await bodyOf(c));
      return purchase ? c.json({ events: control.purchase(purchase) }, 201) : c.json(invalid, 400);
    })
    .post("/control/fraud-alerts", async (c) => {
      const purchase = purchaseOfJson(await bodyOf(c));
      return purchase ? c.json({ alerts: control.fraudAlert(purchase) }, 201) : c.json(invalid, 400);
    })
    .post("/control/consents/:id/revoke", (c) => {
      const consent = store.consents.get(c.req.param("id"));
      if (!consent) return c.json({ error: "Unknown consent" }, 404);
      return c.json(control.endConsent(consent.consentId), 200);
    });
}
