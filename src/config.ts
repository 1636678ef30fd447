import { z } from "zod";

/** Secrets the local demo generates on first start; production must supply them. */
export const GENERATED_SECRET_NAMES = [
  "JWT_SECRET",
  "PIN_PEPPER",
  "STRIPE_WEBHOOK_SECRET",
  "BANK_TOKEN_KEYS",
  "BANK_EMULATOR_SECRET",
] as const;

export const DEFAULT_DATA_DIR = "./.data";
const MIN_SECRET_LENGTH = 32;
const MIN_IDEMPOTENCY_TTL_HOURS = 24;
const MAX_PEPPER_VERSION = 1_000_000;

const port = z.coerce.number().int().min(1).max(65_535);
/** An amount in minor units (cents for USD). */
const minor = z.coerce.number().int().min(1).max(1e13);
const secret = z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`);
const optionalUrl = z
  .url({ protocol: /^https?$/ })
  .optional()
  .or(z.literal("").transform(() => undefined));

/** A bank partner the service links to (BANK_PARTNERS is a JSON array of these). */
const bankPartner = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be 2-32 lower-case letters, digits or -"),
  name: z.string().min(1).max(64),
  api_base_url: z.url({ protocol: /^https?$/ }),
  authorization_endpoint: z.url({ protocol: /^https?$/ }),
  token_endpoint: z.url({ protocol: /^https?$/ }),
  revocation_endpoint: z.url({ protocol: /^https?$/ }),
  client_id: z.string().min(1).max(255),
  client_secret: secret,
  webhook_secret: secret,
});
export type BankPartnerConfig = z.infer<typeof bankPartner>;

const variables = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(8787),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATABASE_LISTEN_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  EMBEDDED_POSTGRES_PORT: port.default(54_329),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DB_POOL_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  DB_PREPARED_STATEMENTS: z.enum(["on", "off"]).default("on"),
  JWT_SECRET: secret.optional(),
  JWT_JWKS_URL: optionalUrl,
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  DEV_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
  PIN_PEPPER: secret.optional(),
  PIN_PEPPER_VERSION: z.coerce.number().int().min(1).max(MAX_PEPPER_VERSION).default(1),
  PIN_PEPPER_PREVIOUS: secret.optional(),
  PIN_PEPPER_PREVIOUS_VERSION: z.coerce.number().int().min(1).max(MAX_PEPPER_VERSION).optional(),
  // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
  PIN_ARGON2_MEMORY_KIB: z.coerce.number().int().min(8192).max(1_048_576).default(19_456),
  PIN_ARGON2_PASSES: z.coerce.number().int().min(1).max(10).default(2),
  PIN_ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
  PIN_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  PIN_HASH_QUEUE_MAX: z.coerce.number().int().min(0).max(10_000).default(64),
  WEBAUTHN_RP_ID: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, "must be a domain name such as example.com or localhost")
    .refine((id) => !/^[0-9.]+$/.test(id), "must be a domain name such as example.com or localhost, not an IP address")
    .default("localhost"),
  WEBAUTHN_RP_NAME: z.string().min(1).max(64).default("chat-pay"),
  WEBAUTHN_ORIGINS: z
    .string()
    .transform((list) => list.split(",").map((origin) => origin.trim()))
    .pipe(
      z
        .array(
          z
            .url({ protocol: /^https?$/ })
            .refine((url) => new URL(url).origin === url, "must be an origin (scheme://host[:port])"),
        )
        .min(1),
    )
    .optional(),
  STRIPE_WEBHOOK_SECRET: secret.optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, "must be a Stripe secret or restricted key (sk_... or rk_...)")
    .optional(),
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_(test|live)_\w+$/, "must be a Stripe publishable key (pk_...)")
    .optional(),
  STRIPE_EMULATOR_PORT: port.default(12_111),
  STRIPE_EMULATOR_URL: z
    .url({ protocol: /^http$/ })
    .refine(
      (url) => new URL(url).origin === url && new URL(url).port !== "",
      "must be an origin with a port (http://host:port)",
    )
    .optional(),
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(80_000).default(10_000),
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(MIN_IDEMPOTENCY_TTL_HOURS)
    .max(24 * 30)
    .default(24),
  LEDGER_BATCHING: z.enum(["on", "off"]).default("on"),
  LEDGER_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(50).default(0),
  LEDGER_BATCH_MAX: z.coerce.number().int().min(1).max(8192).default(256),
  LEDGER_BATCH_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(4),
  PAYMENT_CURRENCIES: z
    .string()
    .regex(/^[A-Z]{3}(,[A-Z]{3})*$/, "a comma-separated list of ISO 4217 codes")
    .default("USD"),
  PAYMENT_MAX_MINOR: minor.default(250_000),
  PAYMENT_DAILY_LIMIT_MINOR: minor.default(500_000),
  PAYMENT_WEEKLY_LIMIT_MINOR: minor.default(1_000_000),
  PAYMENT_REDUCED_MAX_MINOR: minor.default(50_000),
  PAYMENT_REDUCED_DAILY_LIMIT_MINOR: minor.default(100_000),
  PAYMENT_REDUCED_WEEKLY_LIMIT_MINOR: minor.default(200_000),
  PAYMENT_NEW_ACCOUNT_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  PAYMENT_MAX_PENDING_CONFIRMATIONS: z.coerce.number().int().min(1).max(100).default(5),
  PAYMENT_CONFIRM_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  PAYMENT_CLAIM_WINDOW_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  PAYMENT_REQUEST_EXPIRY_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  RISK_DELAY_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  RISK_REPORTS_TO_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
  RISK_OPERATOR_ROLE: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "a role name: 1-64 letters, digits or _.:-")
    .default("risk_operator"),
  PRIVACY_TERMS_VERSION: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/, "must be 1-32 letters, digits or ._-")
    .default("1"),
  CLOSED_ACCOUNT_RETENTION_YEARS: z.coerce.number().int().min(1).max(30).default(5),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  // Fractions of a second are accepted so tests can watch keep-alives without waiting long.
  EVENTS_KEEPALIVE_SECONDS: z.coerce.number().min(0.05).max(300).default(15),
  EVENTS_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(100).default(5),
  EVENTS_MAX_STREAMS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  EVENTS_POLL_SECONDS: z.coerce.number().min(0.05).max(60).default(1),
  BANK_PARTNERS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON array of bank partners" });
        return z.NEVER;
      }
    })
    .pipe(z.array(bankPartner).max(20))
    .optional(),
  BANK_TOKEN_KEYS: z
    .string()
    .transform((list) => list.split(",").map((key) => key.trim()))
    .pipe(z.array(secret).min(1).max(10))
    .optional(),
  BANK_EMULATOR_SECRET: secret.optional(),
  BANK_EMULATOR_PORT: port.default(12_112),
  BANK_REDIRECT_URL: optionalUrl,
  BANK_CONSENT_DAYS: z.coerce.number().int().min(1).max(365).default(90),
  BANK_RECONFIRM_NOTICE_DAYS: z.coerce.number().int().min(1).max(60).default(7),
  BANK_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  BANK_STEP_UP_IDLE_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  BANK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  BANK_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(30).max(3_600).default(300),
});

/** Every variable the configuration reads. */
export const CONFIG_VARIABLE_NAMES = Object.keys(variables.shape);

const schema = variables.superRefine((env, ctx) => {
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL) {
    ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "set JWT_SECRET or JWT_JWKS_URL" });
  }
  if ((env.PIN_PEPPER_PREVIOUS === undefined) !== (env.PIN_PEPPER_PREVIOUS_VERSION === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["PIN_PEPPER_PREVIOUS_VERSION"],
      message: "set it together with PIN_PEPPER_PREVIOUS",
    });
  }
  if (env.PIN_PEPPER_PREVIOUS_VERSION === env.PIN_PEPPER_VERSION) {
    ctx.addIssue({
      code: "custom",
      path: ["PIN_PEPPER_PREVIOUS_VERSION"],
      message: "must differ from PIN_PEPPER_VERSION",
    });
  }
  for (const origin of webauthnOrigins(env)) {
    const host = new URL(origin).hostname;
    if (host !== env.WEBAUTHN_RP_ID && !host.endsWith(`.${env.WEBAUTHN_RP_ID}`)) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBAUTHN_ORIGINS"],
        message: `${origin} is not on WEBAUTHN_RP_ID ${env.WEBAUTHN_RP_ID} (browsers would refuse every passkey)`,
      });
    }
  }
  if (env.BANK_PARTNERS?.length && !env.BANK_TOKEN_KEYS) {
    ctx.addIssue({ code: "custom", path: ["BANK_TOKEN_KEYS"], message: "set it to encrypt bank tokens" });
  }
  if (env.NODE_ENV !== "production") return;
  for (const name of ["DATABASE_URL", "PIN_PEPPER", "STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY"] as const) {
    if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "is required in production" });
  }
});

type Env = z.infer<typeof schema>;

/** Passkeys work on localhost over plain HTTP, never on an IP address, so the demo origin is localhost. */
function webauthnOrigins(env: Pick<Env, "WEBAUTHN_ORIGINS" | "PORT">): string[] {
  return env.WEBAUTHN_ORIGINS ?? [`http://localhost:${env.PORT}`];
}

export type Config = {
  env: Env["NODE_ENV"];
  host: string;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  database: {
    url: string | undefined;
    /** A direct connection for LISTEN when `url` goes through a transaction-mode pooler (PgBouncer); default `url`. */
    listenUrl: string | undefined;
    dataDir: string;
    embeddedPort: number;
    poolMax: number;
    acquireTimeoutMs: number;
    /** Named, server-side prepared statements on the pool's connections (off behind PgBouncer before 1.21). */
    preparedStatements: boolean;
  };
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    devSessionTtlSeconds: number;
  };
  pinPepper: string | undefined;
  pin: {
    /** The version stored with every hash made with PIN_PEPPER, so the pepper can be rotated. */
    pepperVersion: number;
    /** Still accepted for verification; hashes made with it are redone at the next correct PIN. */
    previousPepper: { version: number; secret: string } | undefined;
    argon2: { memoryKib: number; passes: number; parallelism: number };
    /** Undefined: one hash at a time per CPU core (the runtime entry decides). */
    hashConcurrency: number | undefined;
    hashQueueMax: number;
  };
  webauthn: { rpId: string; rpName: string; origins: string[] };
  stripeWebhookSecret: string | undefined;
  /** Without a secret key the service runs against the local Stripe emulator. */
  stripe: {
    secretKey: string | undefined;
    publishableKey: string | undefined;
    emulatorPort: number;
    /** A Stripe emulator serving elsewhere (STRIPE_EMULATOR_URL, shared by several processes): none is started here. */
    sharedEmulator: { host: string; port: number } | undefined;
    maxNetworkRetries: number;
    timeoutMs: number;
  };
  idempotencyKeyTtlHours: number;
  /** Keys the request fingerprints kept with Idempotency-Keys (derived from the PIN pepper, or the JWT secret). */
  idempotencyFingerprintKey: string;
  /** Undefined when batching is off: each call posts in its own transaction. */
  ledgerBatching: { windowMs: number; maxTransfers: number; maxInFlight: number } | undefined;
  payments: {
    currencies: string[];
    maxMinor: number;
    dailyLimitMinor: number;
    weeklyLimitMinor: number;
    /** Lower limits for new accounts and for 24 hours after a PIN reset. */
    reduced: { maxMinor: number; dailyLimitMinor: number; weeklyLimitMinor: number };
    newAccountDays: number;
    maxPendingConfirmations: number;
    confirmWindowMs: number;
    claimWindowMs: number;
    requestExpiryMs: number;
  };
  /** The terms version people must agree to, and how long a closed account's pseudonymised records are kept. */
  privacy: { termsVersion: string; retentionYears: number };
  /**
   * Risk: how long a delayed payment waits (the sender may cancel meanwhile), how many people's
   * credible reports limit a person, and the role (in the token's `roles` claim) of operators.
   */
  risk: { delayMs: number; reportsToLimit: number; operatorRole: string };
  shutdownTimeoutMs: number;
  /** Live events: stream limits are per process; retention bounds how far back Last-Event-ID can resume. */
  /** pollMs: how often a stream rereads its events where no LISTEN connection is held (Workers). */
  events: { keepAliveMs: number; maxStreamsPerUser: number; maxStreams: number; retentionMs: number; pollMs: number };
  banks: {
    /** Empty: outside production, `npm start` links to its own bank emulator instead. */
    partners: BankPartnerConfig[];
    /** The first encrypts bank tokens; every one decrypts (rotate by putting a new key first). */
    tokenKeys: string[];
    emulator: { secret: string | undefined; port: number };
    /** Where the bank sends the person back after they approve (the web client). */
    redirectUrl: string;
    consentMs: number;
    /** How long before the consent expires the person is asked, in the bank's thread, to renew it. */
    reconfirmNoticeMs: number;
    retentionMs: number;
    stepUpIdleMs: number;
    timeoutMs: number;
    webhookToleranceMs: number;
  };
};

/** One invalid variable: its name (path) and what is wrong with it; never its value. */
export type ConfigIssue = { path: string; message: string };

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Validates an environment-like map into a typed Config; throws ConfigError naming each bad
 * variable. (Long on purpose: one literal that maps every variable to its place in Config.)
 */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ path: issue.path.join(".") || "(root)", message: issue.message })),
    );
  }
  const env = result.data;
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      listenUrl: env.DATABASE_LISTEN_URL,
      dataDir: env.DATA_DIR,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
      poolMax: env.DB_POOL_MAX,
      acquireTimeoutMs: env.DB_POOL_ACQUIRE_TIMEOUT_MS,
      preparedStatements: env.DB_PREPARED_STATEMENTS === "on",
    },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      devSessionTtlSeconds: env.DEV_SESSION_TTL_SECONDS,
    },
    pinPepper: env.PIN_PEPPER,
    pin: {
      pepperVersion: env.PIN_PEPPER_VERSION,
      previousPepper:
        env.PIN_PEPPER_PREVIOUS && env.PIN_PEPPER_PREVIOUS_VERSION
          ? { version: env.PIN_PEPPER_PREVIOUS_VERSION, secret: env.PIN_PEPPER_PREVIOUS }
          : undefined,
      argon2: {
        memoryKib: env.PIN_ARGON2_MEMORY_KIB,
        passes: env.PIN_ARGON2_PASSES,
        parallelism: env.PIN_ARGON2_PARALLELISM,
      },
      hashConcurrency: env.PIN_HASH_CONCURRENCY,
      hashQueueMax: env.PIN_HASH_QUEUE_MAX,
    },
    webauthn: { rpId: env.WEBAUTHN_RP_ID, rpName: env.WEBAUTHN_RP_NAME, origins: webauthnOrigins(env) },
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      publishableKey: env.STRIPE_PUBLISHABLE_KEY,
      emulatorPort: env.STRIPE_EMULATOR_PORT,
      sharedEmulator: env.STRIPE_EMULATOR_URL
        ? { host: new URL(env.STRIPE_EMULATOR_URL).hostname, port: Number(new URL(env.STRIPE_EMULATOR_URL).port) }
        : undefined,
      maxNetworkRetries: env.STRIPE_MAX_NETWORK_RETRIES,
      timeoutMs: env.STRIPE_TIMEOUT_MS,
    },
    idempotencyKeyTtlHours: env.IDEMPOTENCY_KEY_TTL_HOURS,
    idempotencyFingerprintKey: `idempotency:${env.PIN_PEPPER ?? env.JWT_SECRET ?? ""}`,
    ledgerBatching:
      env.LEDGER_BATCHING === "on"
        ? {
            windowMs: env.LEDGER_BATCH_WINDOW_MS,
            maxTransfers: env.LEDGER_BATCH_MAX,
            maxInFlight: env.LEDGER_BATCH_IN_FLIGHT,
          }
        : undefined,
    payments: {
      currencies: env.PAYMENT_CURRENCIES.split(","),
      maxMinor: env.PAYMENT_MAX_MINOR,
      dailyLimitMinor: env.PAYMENT_DAILY_LIMIT_MINOR,
      weeklyLimitMinor: env.PAYMENT_WEEKLY_LIMIT_MINOR,
      reduced: {
        maxMinor: env.PAYMENT_REDUCED_MAX_MINOR,
        dailyLimitMinor: env.PAYMENT_REDUCED_DAILY_LIMIT_MINOR,
        weeklyLimitMinor: env.PAYMENT_REDUCED_WEEKLY_LIMIT_MINOR,
      },
      newAccountDays: env.PAYMENT_NEW_ACCOUNT_DAYS,
      maxPendingConfirmations: env.PAYMENT_MAX_PENDING_CONFIRMATIONS,
      confirmWindowMs: env.PAYMENT_CONFIRM_WINDOW_MINUTES * 60_000,
      claimWindowMs: env.PAYMENT_CLAIM_WINDOW_DAYS * 86_400_000,
      requestExpiryMs: env.PAYMENT_REQUEST_EXPIRY_DAYS * 86_400_000,
    },
    privacy: { termsVersion: env.PRIVACY_TERMS_VERSION, retentionYears: env.CLOSED_ACCOUNT_RETENTION_YEARS },
    risk: {
      delayMs: env.RISK_DELAY_MINUTES * 60_000,
      reportsToLimit: env.RISK_REPORTS_TO_LIMIT,
      operatorRole: env.RISK_OPERATOR_ROLE,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    events: {
      keepAliveMs: Math.round(env.EVENTS_KEEPALIVE_SECONDS * 1000),
      maxStreamsPerUser: env.EVENTS_MAX_STREAMS_PER_USER,
      maxStreams: env.EVENTS_MAX_STREAMS,
      retentionMs: env.EVENTS_RETENTION_DAYS * 86_400_000,
      pollMs: Math.round(env.EVENTS_POLL_SECONDS * 1000),
    },
    banks: {
      partners: env.BANK_PARTNERS ?? [],
      tokenKeys: env.BANK_TOKEN_KEYS ?? [],
      emulator: { secret: env.BANK_EMULATOR_SECRET, port: env.BANK_EMULATOR_PORT },
      redirectUrl: env.BANK_REDIRECT_URL ?? `${webauthnOrigins(env)[0]}/`,
      consentMs: env.BANK_CONSENT_DAYS * 86_400_000,
      reconfirmNoticeMs: env.BANK_RECONFIRM_NOTICE_DAYS * 86_400_000,
      retentionMs: env.BANK_RETENTION_DAYS * 86_400_000,
      stepUpIdleMs: env.BANK_STEP_UP_IDLE_MINUTES * 60_000,
      timeoutMs: env.BANK_TIMEOUT_MS,
      webhookToleranceMs: env.BANK_WEBHOOK_TOLERANCE_SECONDS * 1000,
    },
  };
}
