import { z } from "zod";

/** Secrets the local demo generates on first start; production must supply them. */
export const GENERATED_SECRET_NAMES = ["JWT_SECRET", "PIN_PEPPER", "STRIPE_WEBHOOK_SECRET"] as const;

export const DEFAULT_DATA_DIR = "./.data";
const MIN_SECRET_LENGTH = 32;
const MIN_IDEMPOTENCY_TTL_HOURS = 24;

const port = z.coerce.number().int().min(1).max(65_535);
const secret = z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`);
const optionalUrl = z
  .url({ protocol: /^https?$/ })
  .optional()
  .or(z.literal("").transform(() => undefined));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: port.default(8787),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/ })
      .optional()
      .or(z.literal("").transform(() => undefined)),
    DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
    EMBEDDED_POSTGRES_PORT: port.default(54_329),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    JWT_SECRET: secret.optional(),
    JWT_JWKS_URL: optionalUrl,
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    DEV_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
    PIN_PEPPER: secret.optional(),
    STRIPE_WEBHOOK_SECRET: secret.optional(),
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
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  })
  .superRefine((env, ctx) => {
    if (!env.JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "set JWT_SECRET or JWT_JWKS_URL" });
    }
    if (env.NODE_ENV !== "production") return;
    for (const name of ["DATABASE_URL", "PIN_PEPPER", "STRIPE_WEBHOOK_SECRET"] as const) {
      if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "is required in production" });
    }
  });

type Env = z.infer<typeof schema>;

export type Config = {
  env: Env["NODE_ENV"];
  host: string;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  database: { url: string | undefined; dataDir: string; embeddedPort: number; poolMax: number };
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    devSessionTtlSeconds: number;
  };
  pinPepper: string | undefined;
  stripeWebhookSecret: string | undefined;
  idempotencyKeyTtlHours: number;
  /** Undefined when batching is off: each call posts in its own transaction. */
  ledgerBatching: { windowMs: number; maxTransfers: number; maxInFlight: number } | undefined;
  shutdownTimeoutMs: number;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Validates an environment-like map into a typed Config; throws ConfigError naming each bad variable. */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`));
  }
  const env = result.data;
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
      poolMax: env.DB_POOL_MAX,
    },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      devSessionTtlSeconds: env.DEV_SESSION_TTL_SECONDS,
    },
    pinPepper: env.PIN_PEPPER,
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
    idempotencyKeyTtlHours: env.IDEMPOTENCY_KEY_TTL_HOURS,
    ledgerBatching:
      env.LEDGER_BATCHING === "on"
        ? {
            windowMs: env.LEDGER_BATCH_WINDOW_MS,
            maxTransfers: env.LEDGER_BATCH_MAX,
            maxInFlight: env.LEDGER_BATCH_IN_FLIGHT,
          }
        : undefined,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}
