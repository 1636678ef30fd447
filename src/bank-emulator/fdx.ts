import { type Context, Hono } from "hono";
import { signPayload } from "../stripe-emulator/webhooks";
import { faultResponse, fdxError } from "./faults";
import { type Account, type BankScope, type BankStore, type Consent, emitBankEvent, SIGNATURE_HEADER } from "./store";

const TRANSACTIONS_PAGE_MAX = 50;
/** How old a signed call may be, as the service allows for the bank's webhooks. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

type BankEnv = { Variables: { consent: Consent } };

const masked = (account: Account) => `...${account.accountNumber.slice(-4)}`;

function descriptor(account: Account) {
  return {
    accountId: account.accountId,
    accountCategory: "DEPOSIT_ACCOUNT",
    accountType: account.accountType,
    productName: account.productName,
    accountNumberDisplay: masked(account),
    currency: { currencyCode: "USD" },
    status: "OPEN",
  };
}

/** The scripted agent: a canned answer chosen by the words it recognises. */
function agentReply(text: string): string {
  const lower = text.toLowerCase();
  if (/(freeze|frozen|lock|stolen|lost)/.test(lower)) {
    return "I can help with that. Your card can be frozen and unfrozen from this chat or the bank's app.";
  }
  if (/(balance|money|funds)/.test(lower)) return 'Tap "Show balance" in this chat to see your balance.';
  if (/(human|agent|person|call)/.test(lower)) return "An agent will write back here within one business day.";
  return "Thanks for your message. An agent has it and will reply in this chat.";
}

/** Checks the service's signature over the raw body (the scheme the bank signs its webhooks with). */
async function signedBody(c: Context, store: BankStore): Promise<string | undefined> {
  const raw = await c.req.text();
  const header = c.req.header(SIGNATURE_HEADER) ?? "";
  const t = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1]);
  if (!Number.isFinite(t)) return undefined;
  if (Math.abs(store.clock.now().getTime() / 1000 - t) > SIGNATURE_TOLERANCE_SECONDS) return undefined;
  return (await signPayload(raw, store.options.webhookSecret, t)) === header ? raw : undefined;
}

/**
 * FDX-shaped reads (accounts, an account with its balances, its transactions) and the partner
 * calls the service makes (answering a fraud alert, relaying a message), each under a bearer
 * token whose consent must hold the scope the data needs (403 otherwise).
 */
export function fdxRoutes(store: BankStore) {
  const needs = (c: Context<BankEnv>, scope: BankScope) =>
    c.get("consent").scopes.includes(scope)
      ? undefined
      : fdxError(c, 403, "403", `The consent does not include the ${scope} scope`);
  const ownAccount = (c: Context<BankEnv>) => {
    const account = store.accounts.get(c.req.param("accountId") ?? "");
    return account?.persona === c.get("consent").persona ? account : undefined;
  };

  return new Hono<BankEnv>()
    .use("/fdx/*", async (c, next) => {
      const fault = await faultResponse(c, store);
      if (fault) return fault;
      const token = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
      const consent = store.consentOfAccessToken(token);
      if (consent === "expired_token") return fdxError(c, 401, "invalid_token", "The access token expired");
      if (consent === "invalid") return fdxError(c, 401, "consent_revoked", "No active consent for this token");
      c.set("consent", consent);
      await next();
    })
    .get("/fdx/v6/accounts", (c) =>
      c.json({ page: { totalElements: 0 }, accounts: store.accountsOf(c.get("consent").persona).map(descriptor) }),
    )
    .get("/fdx/v6/accounts/:accountId", (c) => {
      const refused = needs(c, "balances");
      if (refused) return refused;
      const account = ownAccount(c);
      if (!account) return fdxError(c, 404, "701", "Account not found");
      return c.json({
        ...descriptor(account),
        currentBalance: account.balanceMinor / 100,
        availableBalance: account.balanceMinor / 100,
        balanceAsOf: store.clock.now().toISOString(),
      });
    })
    .get("/fdx/v6/accounts/:accountId/transactions", (c) => {
      const refused = needs(c, "transaction_alerts");
      if (refused) return refused;
      const account = ownAccount(c);
      if (!account) return fdxError(c, 404, "701", "Account not found");
      const items = store.transactions
        .filter((t) => t.accountId === account.accountId)
        .sort((a, b) => b.postedAt.getTime() - a.postedAt.getTime())
        .slice(0, TRANSACTIONS_PAGE_MAX);
      return c.json({
        page: { totalElements: items.length },
        transactions: items.map((t) => ({
          transactionId: t.transactionId,
          accountId: t.accountId,
          description: t.merchant,
          amount: t.amountMinor / 100,
          debitCreditMemo: "DEBIT",
          postedTimestamp: t.postedAt.toISOString(),
          status: "POSTED",
        })),
      });
    })
    .post("/fdx/v6/partner/fraud-alerts/:alertId/answer", async (c) => {
      const raw = await signedBody(c, store);
      if (raw === undefined) return fdxError(c, 401, "signature", "The request signature is not valid");
      const refused = needs(c, "fraud_alerts");
      if (refused) return refused;
      const alert = store.alerts.get(c.req.param("alertId"));
      if (alert?.consentId !== c.get("consent").consentId) return fdxError(c, 404, "404", "Alert not found");
      const body = JSON.parse(raw) as { answer?: string };
      if (body.answer !== "it_was_me" && body.answer !== "not_me") {
        return fdxError(c, 400, "400", "answer must be it_was_me or not_me");
      }
      const key = c.req.header("idempotency-key") ?? "";
      if (!key) return fdxError(c, 400, "400", "An Idempotency-Key header is required");
      if (alert.answeredKeys.has(key) || alert.status !== "open")
        return c.json({ alert_id: alert.alertId, status: alert.status });
      alert.answeredKeys.add(key);
      store.received.push({ kind: "fraud_answer", consentId: alert.consentId, body });
      const account = store.accounts.get(alert.accountId);
      if (body.answer === "not_me") {
        alert.status = "disputed";
        if (account) account.cardFrozen = true;
        emitBankEvent(store, "fraud.outcome", alert.consentId, { alert_id: alert.alertId, outcome: "card_frozen" });
      } else {
        alert.status = "confirmed";
        emitBankEvent(store, "fraud.outcome", alert.consentId, { alert_id: alert.alertId, outcome: "alert_closed" });
      }
      return c.json({ alert_id: alert.alertId, status: alert.status });
    })
    .post("/fdx/v6/partner/messages", async (c) => {
      const raw = await signedBody(c, store);
      if (raw === undefined) return fdxError(c, 401, "signature", "The request signature is not valid");
      const body = JSON.parse(raw) as { message_id?: string; text?: string };
      if (typeof body.text !== "string" || typeof body.message_id !== "string") {
        return fdxError(c, 400, "400", "message_id and text are required");
      }
      const consentId = c.get("consent").consentId;
      const seen = store.received.some((r) => r.consentId === consentId && r.body.message_id === body.message_id);
      if (!seen) {
        store.received.push({ kind: "message", consentId, body });
        emitBankEvent(store, "message.reply", consentId, { in_reply_to: body.message_id, text: agentReply(body.text) });
      }
      return c.json({ message_id: body.message_id, status: "received" }, 202);
    });
}
