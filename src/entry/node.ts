import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { buildApp } from "../app";
import { ConfigError } from "../config";
import { createEventStreams } from "../features/events/event-streams";
import { createLedger } from "../features/ledger/ledger";
import { createSecurityHooks } from "../features/security/security-hooks";
import { answerClientErrorsAsProblems } from "../platform/client-errors";
import { systemClock } from "../platform/clock";
import { createPgEventNotifier } from "../platform/event-notifier-pg";
import { createNodePinHasherFromConfig } from "../platform/node-pin-hasher";
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
  const clock = systemClock;
  const emulator = config.stripe.secretKey
    ? undefined
    : await serveStripeEmulator({
        port: config.stripe.emulatorPort,
        clock,
        webhookSecret: config.stripeWebhookSecret ?? "",
        deliver: deliverTo(`http://${loopbackHost(config.host)}:${config.port}/v1/stripe/webhook`),
      });
  if (emulator) logger.info({ port: emulator.port }, "Stripe emulator started (no STRIPE_SECRET_KEY: test mode)");
  const stripe = createStripeClient(config, emulator);
  const notifier = createPgEventNotifier({ url: runtime.databaseUrl, logger });
  await notifier.start();
  const deps = {
    config,
    db,
    clock,
    logger,
    ledger: createLedger({ db, clock }, config.ledgerBatching),
    pinHasher: createNodePinHasherFromConfig(config),
    security: createSecurityHooks(),
    stripe,
    events: createEventStreams(notifier, config.events),
    webClient: createEsbuildWebClient(),
  };
  // Compiled before listening, so a broken client stops start-up with esbuild's message.
  await deps.webClient();
  const app = buildApp(deps);
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    logger.info({ host: info.address, port: info.port }, "listening");
    console.log(`Listening on http://${config.host}:${info.port} (API reference at /docs)`);
    // Passkeys refuse IP addresses, so the client is announced at localhost (same listener on loopback).
    if (isLoopback(config.host)) console.log(`Open the chat client at http://localhost:${info.port}/`);
  });
  answerClientErrorsAsProblems(server as Server);
  const sweeper = setInterval(() => {
    runSweep(deps).catch((err: unknown) => logger.error({ err }, "sweep failed"));
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
    await emulator?.close();
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

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
