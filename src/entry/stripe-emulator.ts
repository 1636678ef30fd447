import { z } from "zod";
import { systemClock } from "../platform/clock";
import { explainListenError } from "../platform/ports";
import { runMain, StartupError } from "../platform/startup-error";
import { deliverTo, serveStripeEmulator } from "../stripe-emulator/serve";

/**
 * `npm run stripe-emulator`: the Stripe emulator as a process of its own, for several API
 * processes to share (each started with STRIPE_EMULATOR_URL pointing here, so a card saved
 * through one is known to all), delivering its webhooks to STRIPE_WEBHOOK_URL (the load
 * balancer's `/v1/stripe/webhook`), signed with the API processes' STRIPE_WEBHOOK_SECRET.
 */
const Env = z.object({
  STRIPE_EMULATOR_PORT: z.coerce.number().int().min(1).max(65_535).default(12_111),
  STRIPE_WEBHOOK_SECRET: z.string().min(32),
  STRIPE_WEBHOOK_URL: z.url({ protocol: /^https?$/ }),
});

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new StartupError(`The Stripe emulator cannot start: ${problems}.`);
  }
  const env = parsed.data;
  const emulator = await serveStripeEmulator({
    port: env.STRIPE_EMULATOR_PORT,
    clock: systemClock,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    deliver: deliverTo(env.STRIPE_WEBHOOK_URL),
  }).catch((err: unknown) => {
    throw explainListenError(err, "127.0.0.1", env.STRIPE_EMULATOR_PORT, "STRIPE_EMULATOR_PORT");
  });
  console.log(`Stripe emulator listening on http://${emulator.host}:${emulator.port}`);
  const shutdown = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

runMain(main);
