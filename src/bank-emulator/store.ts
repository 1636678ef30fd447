import type { Clock } from "../platform/clock";
import { newId } from "../platform/ids";
import { createWebhookSender, type Deliver } from "../stripe-emulator/webhooks";

/** The scopes a person can grant, as the service asks for them. */
export const BANK_SCOPES = ["balances", "transaction_alerts", "fraud_alerts"] as const;
export type BankScope = (typeof BANK_SCOPES)[number];

export const SIGNATURE_HEADER = "Bank-Signature";
const DAY_MS = 86_400_000;
const ACCESS_TOKEN_TTL_MS = 3_600_000;
const CODE_TTL_MS = 60_000;

export type Account = {
  accountId: string;
  persona: string;
  productName: string;
  accountType: "CHECKING" | "SAVINGS";
  /** The full number: the bank's, never the service's to show. */
  accountNumber: string;
  balanceMinor: number;
  cardFrozen: boolean;
};

export type Transaction = {
  transactionId: string;
  accountId: string;
  merchant: string;
  amountMinor: number;
  postedAt: Date;
};

export type Consent = {
  consentId: string;
  persona: string;
  clientId: string;
  scopes: BankScope[];
  status: "active" | "revoked" | "expired";
  grantedAt: Date;
};

type Code = {
  consentId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: Date;
  used: boolean;
};

export type FraudAlert = {
  alertId: string;
  consentId: string;
  accountId: string;
  merchant: string;
  amountMinor: number;
  status: "open" | "confirmed" | "disputed";
  /** Answers seen, by idempotency key: a retried answer is not acted on twice. */
  answeredKeys: Set<string>;
};

/** What the next API calls answer instead of their result (once each, in order), or until cleared. */
export type BankFault = "institution_down" | "rate_limited" | "consent_expired";

export type BankEmulatorOptions = {
  clock: Clock;
  clientId: string;
  clientSecret: string;
  /** Signs webhooks and checks the service's signed calls. */
  webhookSecret: string;
  deliver?: Deliver;
};

const PERSONAS: { persona: string; name: string; accounts: Omit<Account, "persona" | "cardFrozen">[] }[] = [
  {
    persona: "alex",
    name: "Alex Rivera",
    accounts: [
      {
        accountId: "acc_alex_chk",
        productName: "Everyday Checking",
        accountType: "CHECKING",
        accountNumber: "003141594821",
        balanceMinor: 124_016,
      },
      {
        accountId: "acc_alex_sav",
        productName: "High Yield Savings",
        accountType: "SAVINGS",
        accountNumber: "003141599931",
        balanceMinor: 850_000,
      },
    ],
  },
  {
    persona: "sam",
    name: "Sam Okafor",
    accounts: [
      {
        accountId: "acc_sam_chk",
        productName: "Everyday Checking",
        accountType: "CHECKING",
        accountNumber: "002718287766",
        balanceMinor: 31_250,
      },
    ],
  },
];

const SEED_PURCHASES: { merchant: string; amountMinor: number; daysAgo: number }[] = [
  { merchant: "Corner Grocer", amountMinor: 4_312, daysAgo: 1 },
  { merchant: "City Transit", amountMinor: 275, daysAgo: 2 },
  { merchant: "Blue Bottle Cafe", amountMinor: 650, daysAgo: 4 },
];

/**
 * The bank's state: personas and their accounts, consents, authorization codes and tokens,
 * fraud alerts, injected faults, and the signed webhook sender. Times come from the injected
 * clock, so balances and transaction dates move with it.
 */
export function createBankStore(options: BankEmulatorOptions) {
  const { clock } = options;
  const accounts = new Map<string, Account>();
  const transactions: Transaction[] = [];
  for (const p of PERSONAS) {
    for (const a of p.accounts) {
      accounts.set(a.accountId, { ...a, persona: p.persona, cardFrozen: false });
      if (a.accountType !== "CHECKING") continue;
      for (const seed of SEED_PURCHASES) {
        transactions.push({
          transactionId: newId("btx"),
          accountId: a.accountId,
          merchant: seed.merchant,
          amountMinor: seed.amountMinor,
          postedAt: new Date(clock.now().getTime() - seed.daysAgo * DAY_MS),
        });
      }
    }
  }
  const consents = new Map<string, Consent>();
  const codes = new Map<string, Code>();
  const accessTokens = new Map<string, { consentId: string; expiresAt: Date }>();
  const refreshTokens = new Map<string, string>();
  const alerts = new Map<string, FraudAlert>();
  const faults: BankFault[] = [];
  /** Every token ever issued, revoked ones too (tests look for them in the service's database). */
  const issuedTokens: string[] = [];
  /** Every answer and message the service relayed, as the bank received them (tests read these). */
  const received: { kind: "fraud_answer" | "message"; consentId: string; body: Record<string, unknown> }[] = [];
  const webhooks = createWebhookSender({
    deliver: options.deliver,
    secret: options.webhookSecret,
    clock,
    signatureHeader: SIGNATURE_HEADER,
  });

  const issueTokens = (consentId: string) => {
    const access_token = `bat_${newId("tok").slice(4)}`;
    const refresh_token = `brt_${newId("tok").slice(4)}`;
    accessTokens.set(access_token, { consentId, expiresAt: new Date(clock.now().getTime() + ACCESS_TOKEN_TTL_MS) });
    refreshTokens.set(refresh_token, consentId);
    issuedTokens.push(access_token, refresh_token);
    return { access_token, refresh_token, expires_in: ACCESS_TOKEN_TTL_MS / 1000 };
  };

  return {
    options,
    clock,
    personas: PERSONAS.map((p) => ({ persona: p.persona, name: p.name })),
    accounts,
    transactions,
    consents,
    alerts,
    received,
    webhooks,
    faults,
    codeTtlMs: CODE_TTL_MS,
    accountsOf: (persona: string) => [...accounts.values()].filter((a) => a.persona === persona),
    newCode(code: Omit<Code, "expiresAt" | "used">): string {
      const value = newId("bcode").slice(6);
      codes.set(value, { ...code, expiresAt: new Date(clock.now().getTime() + CODE_TTL_MS), used: false });
      return value;
    },
    takeCode: (value: string) => codes.get(value),
    issueTokens,
    /** The live consent behind an access token, or why there is none. */
    consentOfAccessToken(token: string): Consent | "invalid" | "expired_token" {
      const found = accessTokens.get(token);
      if (!found) return "invalid";
      if (found.expiresAt <= clock.now()) return "expired_token";
      const consent = consents.get(found.consentId);
      return consent?.status === "active" ? consent : "invalid";
    },
    consentOfRefreshToken(token: string): Consent | undefined {
      const consentId = refreshTokens.get(token);
      const consent = consentId ? consents.get(consentId) : undefined;
      return consent?.status === "active" ? consent : undefined;
    },
    /** Ends a consent and every token issued for it. */
    endConsent(consentId: string, status: "revoked" | "expired"): void {
      const consent = consents.get(consentId);
      if (consent) consent.status = status;
      for (const [token, entry] of accessTokens) if (entry.consentId === consentId) accessTokens.delete(token);
      for (const [token, id] of refreshTokens) if (id === consentId) refreshTokens.delete(token);
    },
    tokenCount: (consentId: string) =>
      [...accessTokens.values()].filter((t) => t.consentId === consentId).length +
      [...refreshTokens.values()].filter((id) => id === consentId).length,
    issuedTokens,
    takeFault: (): BankFault | undefined => faults.shift(),
    /** How long every API answer waits (a slow institution); 0 normally. */
    latency: { ms: 0 },
  };
}

export type BankStore = ReturnType<typeof createBankStore>;

/** Posts a signed event about one consent to the service (delivery, retries and switches are the sender's). */
export function emitBankEvent(
  store: BankStore,
  type: string,
  consentId: string,
  data: Record<string, unknown>,
): { id: string; type: string } {
  const event = {
    id: newId("bevt"),
    type,
    created: Math.floor(store.clock.now().getTime() / 1000),
    consent_id: consentId,
    data,
  };
  store.webhooks.send(JSON.stringify(event));
  return { id: event.id, type };
}
