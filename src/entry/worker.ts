import argon2 from "argon2-wasm-edge/wasm/argon2.wasm";
import blake2b from "argon2-wasm-edge/wasm/blake2b.wasm";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { buildApp } from "../app";
import { type Config, ConfigError, parseConfig } from "../config";
import { createEventStreams } from "../features/events/event-streams";
import { createLedger } from "../features/ledger/ledger";
import { createSecurityHooks } from "../features/security/security-hooks";
import type { AppEnv, Deps } from "../http/app-env";
import { problem } from "../http/problem";
import { systemClock } from "../platform/clock";
import { createDb, WORKER_APPLICATION_NAME } from "../platform/db";
import { createPollingEventNotifier } from "../platform/event-notifier-polling";
import { newId } from "../platform/ids";
import { createLogger } from "../platform/logger";
import { createStripeClient, fetchStripeTransport } from "../platform/stripe";
import { createWasmPinHasherFromConfig } from "../platform/wasm-pin-hasher";
import { runSweep } from "../sweep";

/** The bindings wrangler.toml declares; every variable and secret besides arrives as a string. */
type Env = { HYPERDRIVE?: { connectionString: string } } & Record<string, unknown>;
type ExecutionContext = { waitUntil(promise: Promise<unknown>): void };

/**
 * What lives as long as the isolate. None of it holds a connection: Workers tie every socket to
 * the request that opened it, so the database pool is made per request (Hyperdrive keeps the
 * real connections warm) and live events poll instead of listening.
 */
type Shared = Omit<Deps, "db" | "ledger"> & { databaseUrl: string };

let shared: Shared | ConfigError | undefined;

function sharedFor(env: Env): Shared | ConfigError {
  shared ??= openShared(env);
  return shared;
}

function openShared(env: Env): Shared | ConfigError {
  const variables = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  let config: Config;
  try {
    if (!env.HYPERDRIVE) {
      throw new ConfigError([{ path: "HYPERDRIVE", message: "bind a Hyperdrive configuration (see wrangler.toml)" }]);
    }
    config = parseConfig({ ...variables, DATABASE_URL: env.HYPERDRIVE.connectionString });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Names and reasons only: the message never carries a value.
    console.error(err.message);
    return err;
  }
  const emulator = config.stripe.secretKey ? undefined : { host: "127.0.0.1", port: config.stripe.emulatorPort };
  return {
    config,
    databaseUrl: env.HYPERDRIVE.connectionString,
    clock: systemClock,
    logger: createLogger(config.logLevel),
    pinHasher: createWasmPinHasherFromConfig(config, { argon2, blake2b }),
    security: createSecurityHooks(),
    stripe: createStripeClient(config, emulator, fetchStripeTransport()),
    events: createEventStreams(createPollingEventNotifier(config.events.pollMs), config.events),
  };
}

/** Deps for one request or one cron run; `close` ends its connections. */
function openDeps(isolate: Shared): { deps: Deps; close: () => Promise<void> } {
  const { database } = isolate.config;
  const db = createDb(isolate.databaseUrl, database.poolMax, database.acquireTimeoutMs, WORKER_APPLICATION_NAME);
  // No ledger batching here: a batch would have to outlive the request whose connection it uses.
  const ledger = createLedger({ db, clock: isolate.clock }, undefined);
  return { deps: { ...isolate, db, ledger }, close: () => db.destroy() };
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
    const isolate = sharedFor(env);
    if (isolate instanceof ConfigError) return configProblem(isolate, request);
    const { deps, close } = openDeps(isolate);
    let response: Response;
    try {
      response = await buildApp(deps).fetch(request);
    } catch (err) {
      // The app answers its errors as problems; this is for whatever escapes it anyway.
      ctx.waitUntil(close());
      throw err;
    }
    return closeAfterBody(response, close, ctx);
  },

  /** The cron trigger: the same sweep the Node server runs on a timer. */
  async scheduled(_controller: unknown, env: Env): Promise<void> {
    const isolate = sharedFor(env);
    if (isolate instanceof ConfigError) throw isolate;
    const { deps, close } = openDeps(isolate);
    try {
      const result = await runSweep(deps);
      deps.logger.info({ sweep: result }, "sweep done");
    } finally {
      await close();
    }
  },
};
