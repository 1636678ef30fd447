import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { buildApp } from "../src/app";
import { createDeps } from "../src/compose";
import { type Config, parseConfig } from "../src/config";
import type { Deps } from "../src/deps";
import { createLedger, type Ledger } from "../src/features/ledger/ledger";
import { createDb, type Db } from "../src/platform/db";
import { createPgElection } from "../src/platform/election";
import { createPgEventNotifier, type PgEventNotifier } from "../src/platform/event-notifier-pg";
import { createLogger } from "../src/platform/logger";
import { createNodePinHasherFromConfig } from "../src/platform/node-pin-hasher";
import { createStripeClient } from "../src/platform/stripe";
import { createEsbuildWebClient } from "../src/platform/web-client-esbuild";
import { type RunningEmulator, serveStripeEmulator } from "../src/stripe-emulator/serve";
import type { Deliver } from "../src/stripe-emulator/webhooks";
import { agreeToPayments } from "./consent-helpers";
import { withDatabase } from "./global-setup";
import { createTestClock, type TestClock } from "./test-clock";

export { agreeToPayments };

export const TEST_JWT_SECRET = "test-jwt-secret-that-is-long-enough-0123456789";

export const TEST_ENV = {
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  JWT_SECRET: TEST_JWT_SECRET,
  PIN_PEPPER: "test-pin-pepper-that-is-long-enough-0123456789",
  STRIPE_WEBHOOK_SECRET: "whsec_test_secret_that_is_long_enough_0123456789",
};

/** A fresh database cloned from the migrated template; dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `chat_pay_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${inject("templateDatabase")}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export type Harness = {
  app: ReturnType<typeof buildApp>;
  /** The Stripe emulator this app talks to, with its control knobs. */
  emulator: RunningEmulator;
  deps: Deps;
  /** The ledger on this app's database, for tests that fund wallets directly. */
  ledger: Ledger;
  /** The LISTEN connection waking this app's event streams. */
  notifier: PgEventNotifier;
  db: Db;
  clock: TestClock;
  config: Config;
  databaseUrl: string;
  /** Signs in (creating if needed) a demo person and returns their id and token. */
  signIn(handle: string): Promise<{ id: string; token: string }>;
  /** JSON request through the app; body objects are serialised, headers merged. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
};

export type HarnessOptions = {
  clock?: TestClock;
  /** A database of the test's own (already migrated) instead of a clone of the template. */
  database?: { url: string; drop(): Promise<void> };
  /** Where the emulator delivers Stripe's webhooks; by default to this app, in-process. */
  deliverWebhooks?: Deliver;
};

/** The whole app on its own database with a hand-moved clock; call close() in afterAll. */
export async function createHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const database = options.database ?? (await createTestDatabase());
  const config = parseConfig({ ...TEST_ENV, DATABASE_URL: database.url, ...env });
  const db = createDb(database.url, config.database.poolMax, {
    acquireTimeoutMs: config.database.acquireTimeoutMs,
    preparedStatements: config.database.preparedStatements,
  });
  const clock = options.clock ?? createTestClock();
  const notifier = createPgEventNotifier({ url: database.url, logger: createLogger("silent") });
  await notifier.start();
  // The SDK reaches the emulator over loopback HTTP.
  const emulator = await serveStripeEmulator({
    port: 0,
    clock,
    webhookSecret: config.stripeWebhookSecret ?? "",
    deliver:
      options.deliverWebhooks ??
      (async (payload, headers) =>
        (await app.request("/v1/stripe/webhook", { method: "POST", headers, body: payload })).status),
  });
  const deps = createDeps({
    config,
    db,
    clock,
    logger: createLogger("silent"),
    pinHasher: createNodePinHasherFromConfig(config),
    // STRIPE_EMULATOR_URL: the one the API processes under test share (the chaos tests), as the entries do.
    stripe: createStripeClient(config, config.stripe.sharedEmulator ?? emulator),
    notifier,
    election: createPgElection(database.url),
    // Compiled only when a test asks for the page (the browser tests).
    webClient: createEsbuildWebClient(),
  });
  const app = buildApp(deps);
  const request = requestThrough(async (path, init) => app.request(path, init));

  return {
    app,
    emulator,
    deps,
    ledger: createLedger({ db, clock }, config.ledgerBatching),
    notifier,
    db,
    clock,
    config,
    databaseUrl: database.url,
    request,
    signIn: signInThrough(request),
    close: async () => {
      deps.events.closeAll();
      await notifier.stop();
      await emulator.close();
      await db.destroy();
      await database.drop();
    },
  };
}

/** The harness's JSON request shape on top of any way to send one (the app in-process, or a server). */
export function requestThrough(send: (path: string, init: RequestInit) => Promise<Response>): Harness["request"] {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["Content-Type"] ??= "application/json";
    }
    return send(path, { method, headers, body });
  };
}

/**
 * Signs in as the demo client does and agrees, as its first-run screen asks, to the current
 * terms and to payments, so a test's person can pay (tests of refusals withdraw it).
 */
export function signInThrough(request: Harness["request"]): Harness["signIn"] {
  return async (handle) => {
    const res = await request("POST", "/v1/dev/sessions", { body: { handle } });
    if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    const session = (await res.json()) as { token: string; user: { id: string } };
    await agreeToPayments(request, session.token);
    return { id: session.user.id, token: session.token };
  };
}
