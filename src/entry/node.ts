import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { buildApp } from "../app";
import { EMULATOR_PARTNER_ID, emulatorCredentials, emulatorPartner } from "../bank-emulator/partner";
import { serveBankEmulator } from "../bank-emulator/serve";
import { createDeps } from "../compose";
import type { Deps } from "../deps";
import { answerClientErrorsAsProblems } from "../platform/client-errors";
import { systemClock } from "../platform/clock";
import { createPgElection } from "../platform/election";
import { createPgEventNotifier } from "../platform/event-notifier-pg";
import { createNodePinHasherFromConfig } from "../platform/node-pin-hasher";
import { explainListenError, whenListening } from "../platform/ports";
import { runMain } from "../platform/startup-error";
import { createStripeClient } from "../platform/stripe";
import { createEsbuildWebClient } from "../platform/web-client-esbuild";
import { deliverTo, serveStripeEmulator } from "../stripe-emulator/serve";
import { runSweep } from "../sweep";
import { openNodeRuntime } from "./node-runtime";

const SWEEP_INTERVAL_MS = 10_000;

/** Where this process can reach itself (a wildcard listen address is not a destination). */
const loopbackHost = (host: string) => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host);
/** Listeners a browser on this machine reaches as http://localhost. */
const isLoopback = (host: string) => ["127.0.0.1", "localhost", "0.0.0.0", "::", "::1"].includes(host);

async function main(): Promise<void> {
  const runtime = await openNodeRuntime(process.env);
  const { config, logger, db } = runtime;
  // Undone in reverse if start-up fails part-way: it completes or leaves nothing running.
  const undo: (() => Promise<unknown>)[] = [() => runtime.close()];
  const started = async <T>(work: () => Promise<T>, stop: (value: T) => Promise<unknown>): Promise<T> => {
    const value = await work();
    undo.unshift(() => stop(value));
    return value;
  };
  try {
    const clock = systemClock;
    const { sharedEmulator } = config.stripe;
    const emulator =
      config.stripe.secretKey || sharedEmulator
        ? undefined
        : await started(
            () =>
              serveStripeEmulator({
                port: config.stripe.emulatorPort,
                clock,
                webhookSecret: config.stripeWebhookSecret ?? "",
                deliver: deliverTo(`http://${loopbackHost(config.host)}:${config.port}/v1/stripe/webhook`),
              }).catch((err: unknown) => {
                throw explainListenError(err, "127.0.0.1", config.stripe.emulatorPort, "STRIPE_EMULATOR_PORT");
              }),
            (running) => running.close(),
          );
    if (emulator) logger.info({ port: emulator.port }, "Stripe emulator started (no STRIPE_SECRET_KEY: test mode)");
    const stripe = createStripeClient(config, sharedEmulator ?? emulator);
    // No bank partner configured: outside production, link to a bank emulator of our own.
    const bankSecret = config.banks.emulator.secret;
    const bankEmulator =
      config.banks.partners.length > 0 || config.env === "production" || !bankSecret
        ? undefined
        : await started(
            () =>
              serveBankEmulator({
                port: config.banks.emulator.port,
                clock,
                ...emulatorCredentials(bankSecret),
                deliver: deliverTo(
                  `http://${loopbackHost(config.host)}:${config.port}/v1/banks/${EMULATOR_PARTNER_ID}/webhook`,
                ),
              }).catch((err: unknown) => {
                throw explainListenError(err, "127.0.0.1", config.banks.emulator.port, "BANK_EMULATOR_PORT");
              }),
            (running) => running.close(),
          );
    if (bankEmulator) logger.info({ port: bankEmulator.port }, "bank emulator started (no BANK_PARTNERS)");
    const served =
      bankEmulator && bankSecret
        ? { ...config, banks: { ...config.banks, partners: [emulatorPartner(bankEmulator.url, bankSecret)] } }
        : config;
    const notifier = await started(
      async () => {
        const listener = createPgEventNotifier({ url: runtime.listenUrl, logger });
        await listener.start();
        return listener;
      },
      (listener) => listener.stop(),
    );
    const webClient = createEsbuildWebClient();
    // Compiled before listening, so a broken client stops start-up with esbuild's message.
    await webClient();
    const deps = createDeps({
      config: served,
      db,
      clock,
      logger,
      pinHasher: createNodePinHasherFromConfig(config),
      stripe,
      notifier,
      election: createPgElection(runtime.databaseUrl),
      webClient,
    });
    const app = buildApp(deps);
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
      logger.info({ host: info.address, port: info.port }, "listening");
      console.log(`Listening on http://${config.host}:${info.port} (API reference at /docs)`);
      // Passkeys refuse IP addresses, so the client is announced at localhost (same listener on loopback).
      if (isLoopback(config.host)) console.log(`Open the chat client at http://localhost:${info.port}/`);
    }) as Server;
    await whenListening(server, config.host, config.port, "PORT");
    answerClientErrorsAsProblems(server);
    serveUntilSignalled({ deps, server, notifier, emulators: [emulator, bankEmulator], runtime });
  } catch (err) {
    for (const step of undo) await step().catch(() => {});
    throw err;
  }
}

/** Runs the sweep and stops cleanly on SIGINT/SIGTERM: in-flight requests finish, then the pool and Postgres close. */
function serveUntilSignalled(running: {
  deps: Deps;
  server: Server;
  notifier: { stop(): Promise<void> };
  emulators: ({ close(): Promise<void> } | undefined)[];
  runtime: { close(): Promise<void> };
}): void {
  const { deps, server, notifier, emulators, runtime } = running;
  const { config, logger } = deps;
  // Every process runs the sweep on its timer; the election lets one of them sweep at a time.
  const sweeper = setInterval(() => {
    runSweep(deps).then(
      (swept) => {
        if (!swept) logger.debug("sweep skipped: another process is sweeping");
      },
      (err: unknown) => logger.error({ err }, "sweep failed"),
    );
  }, SWEEP_INTERVAL_MS);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    clearInterval(sweeper);
    // Event streams never finish on their own; server.close() would wait for them until the timeout.
    deps.events.closeAll();
    const force = setTimeout(() => {
      logger.warn("shutdown timeout: closing remaining connections");
      "closeAllConnections" in server && server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(force);
    await notifier.stop();
    for (const emulator of emulators) await emulator?.close();
    await runtime.close();
    logger.info("stopped");
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

runMain(main);
