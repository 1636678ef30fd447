import path from "node:path";
import { CONFIG_VARIABLE_NAMES, DEFAULT_DATA_DIR } from "../config";
import { systemClock } from "../platform/clock";
import { runMain } from "../platform/startup-error";
import { startWranglerDev } from "../platform/wrangler-dev";
import { deliverTo, serveStripeEmulator } from "../stripe-emulator/serve";
import { openNodeRuntime } from "./node-runtime";

/**
 * `npm run dev:worker`: the Worker in workerd (wrangler dev, local only) against the embedded
 * Postgres, migrated here first since the Worker never migrates, with the Stripe emulator in
 * this process unless STRIPE_SECRET_KEY is set.
 */
async function main(): Promise<void> {
  const runtime = await openNodeRuntime(process.env);
  const { config } = runtime;
  const workerUrl = `http://127.0.0.1:${config.port}`;
  const emulator = config.stripe.secretKey
    ? undefined
    : await serveStripeEmulator({
        port: config.stripe.emulatorPort,
        clock: systemClock,
        webhookSecret: config.stripeWebhookSecret ?? "",
        deliver: deliverTo(`${workerUrl}/v1/stripe/webhook`),
      });
  const variables = Object.fromEntries(
    CONFIG_VARIABLE_NAMES.flatMap((name) => {
      const value = runtime.variables[name];
      // The database comes through the Hyperdrive binding.
      return value === undefined || name === "DATABASE_URL" ? [] : [[name, value]];
    }),
  );
  const worker = await startWranglerDev({
    port: config.port,
    databaseUrl: runtime.networkUrl,
    // wrangler.toml says production; this run is the demo unless NODE_ENV says otherwise.
    variables: { ...variables, NODE_ENV: config.env },
    stateDir: path.join(process.env.DATA_DIR || DEFAULT_DATA_DIR, "worker"),
    output: "inherit",
  });
  console.log(`Worker listening on ${worker.url} (API reference at /docs; cron: ${worker.url}/__scheduled)`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    await emulator?.close();
    await runtime.close();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
    });
  }
}

runMain(main);
