import argon2 from "argon2-wasm-edge/wasm/argon2.wasm";
import blake2b from "argon2-wasm-edge/wasm/blake2b.wasm";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { buildApp } from "../app";
import { createDeps, createSecurityHooks } from "../compose";
import { type Config, ConfigError, type ConfigIssue, parseConfig } from "../config";
import type { Deps } from "../deps";
import type { AppEnv, RequestBindings } from "../http/app-env";
import { problem } from "../http/problem";
import { systemClock } from "../platform/clock";
import { createDb, WORKER_APPLICATION_NAME } from "../platform/db";
import { createPgElection } from "../platform/election";
import { createPollingEventNotifier } from "../platform/event-notifier-polling";
import { newId } from "../platform/ids";
import { createLogger } from "../platform/logger";
import {
  type Argon2id,
  createPinHasher,
  type PinHasherOptions,
  pinHasherOptionsFromConfig,
} from "../platform/pin-hasher";
import { createStripeClient, fetchStripeTransport } from "../platform/stripe";
import { createWasmArgon2id } from "../platform/wasm-pin-hasher";
import { runSweep } from "../sweep";

/** The bindings wrangler.toml declares; variables arrive as TOML strings, numbers or booleans, secrets as strings. */
type Env = { HYPERDRIVE?: { connectionString: string } } & Record<string, unknown>;
type ExecutionContext = { waitUntil(promise: Promise<unknown>): void };

/**
 * What lives as long as the isolate: configuration, the app, and clients that hold no
 * connection. Everything that holds a connection or a queue of waiting requests is made per
 * request (openDeps): Workers tie every socket to the request that opened it, and a request the
 * client abandons is cancelled, so a slot it held in a shared queue would never come back.
 */
type Isolate = {
  app: ReturnType<typeof buildApp>;
  shared: Omit<Deps, "db" | "pinHasher" | "events" | "hooks" | "election" | "risk" | "privacy">;
  databaseUrl: string;
  /** One hash at a time per request: WebAssembly runs on the request's own thread. */
  pinHashing: PinHasherOptions;
  argon2id: Argon2id;
};

/**
 * Workers allow six open connections per request; Hyperdrive's own examples stay at five. A cron
 * run's sweep holds one more, for its election: six at most.
 */
const POOL_MAX = 5;

/** Opened by the isolate's first request; the environment does not change for its lifetime. */
let opened: Isolate | ConfigError | undefined;

function isolateFor(env: Env): Isolate | ConfigError {
  opened ??= openIsolate(env);
  return opened;
}

function openIsolate(env: Env): Isolate | ConfigError {
  // Variables under [vars] may be TOML numbers or booleans; the schema reads strings.
  const variables = Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      ["string", "number", "boolean"].includes(typeof value) ? [[name, String(value)]] : [],
    ),
  );
  const issues: ConfigIssue[] = [];
  if (!env.HYPERDRIVE)
    issues.push({ path: "HYPERDRIVE", message: "bind a Hyperdrive configuration (see wrangler.toml)" });
  // Node generates these for the demo; a Worker has nowhere to keep generated secrets.
  for (const name of ["PIN_PEPPER", "STRIPE_WEBHOOK_SECRET"]) {
    if (!variables[name]) issues.push({ path: name, message: "required on Workers: set it as a secret" });
  }
  let config: Config | undefined;
  try {
    config = parseConfig({ ...variables, DATABASE_URL: env.HYPERDRIVE?.connectionString });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues.filter((issue) => !issues.some((known) => known.path === issue.path)));
  }
  if (!config || !env.HYPERDRIVE || issues.length > 0) {
    const error = new ConfigError(issues);
    // Names and reasons only: the message never carries a value.
    console.error(error.message);
    return error;
  }
  const emulator = config.stripe.secretKey
    ? undefined
    : (config.stripe.sharedEmulator ?? { host: "127.0.0.1", port: config.stripe.emulatorPort });
  const shared = {
    config,
    clock: systemClock,
    logger: createLogger(config.logLevel),
    security: createSecurityHooks(),
    stripe: createStripeClient(config, emulator, fetchStripeTransport()),
  };
  return {
    app: buildApp(shared),
    shared,
    databaseUrl: env.HYPERDRIVE.connectionString,
    pinHashing: pinHasherOptionsFromConfig(config, 1),
    argon2id: createWasmArgon2id({ argon2, blake2b }),
  };
}

/** Deps for one request or one cron run; `close` ends its connections. */
function openDeps(isolate: Isolate): { deps: Deps; close: () => Promise<void> } {
  const { config } = isolate.shared;
  const db = createDb(isolate.databaseUrl, Math.min(config.database.poolMax, POOL_MAX), {
    acquireTimeoutMs: config.database.acquireTimeoutMs,
    applicationName: WORKER_APPLICATION_NAME,
  });
  const deps = createDeps({
    ...isolate.shared,
    db,
    pinHasher: createPinHasher(isolate.pinHashing, isolate.argon2id),
    notifier: createPollingEventNotifier(config.events.pollMs),
    election: createPgElection(isolate.databaseUrl),
  });
  return { deps, close: () => db.destroy() };
}

/** Every request answers the same 500 problem, naming each bad variable, until the configuration is fixed. */
function configProblem(error: ConfigError, request: Request): Response | Promise<Response> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ generator: () => newId("req") }));
  app.all("*", (c) =>
    problem(c, "CONFIG_INVALID", {
      detail: "The Worker's variables or bindings are not valid; fix them and deploy again",
      errors: error.issues,
    }),
  );
  return app.fetch(request);
}

/**
 * Passes the body through and closes the request's connections once it has been sent (or the
 * client went away): an event stream keeps reading the database long after the handler returned.
 */
function closeAfterBody(response: Response, close: () => Promise<void>, ctx: ExecutionContext): Response {
  let closing: Promise<void> | undefined;
  const finish = () => {
    closing ??= close();
    ctx.waitUntil(closing);
  };
  if (!response.body) {
    finish();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          finish();
        } else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        finish();
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const current = isolateFor(env);
    if (current instanceof ConfigError) return configProblem(current, request);
    const { deps, close } = openDeps(current);
    const answering = current.app.fetch(request, { deps } satisfies RequestBindings);
    // A client that hangs up cancels the request; waitUntil lets a payment or a PIN check that
    // has started finish (up to Cloudflare's limit) instead of stopping between two steps.
    ctx.waitUntil(Promise.resolve(answering).catch(() => {}));
    let response: Response;
    try {
      response = await answering;
    } catch (err) {
      // The app answers its errors as problems; this is for whatever escapes it anyway.
      ctx.waitUntil(close());
      throw err;
    }
    return closeAfterBody(response, close, ctx);
  },

  /** The cron trigger: the same sweep the Node server runs on a timer. */
  async scheduled(_controller: unknown, env: Env): Promise<void> {
    const current = isolateFor(env);
    if (current instanceof ConfigError) throw current;
    const { deps, close } = openDeps(current);
    try {
      const result = await runSweep(deps);
      if (result) deps.logger.info({ sweep: result }, "sweep done");
      else deps.logger.info("sweep skipped: another run is sweeping");
    } finally {
      await close();
    }
  },
};
