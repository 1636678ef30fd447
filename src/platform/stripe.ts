import Stripe from "stripe";
import type { Config } from "../config";
import { AppError } from "../errors";
import { EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY } from "../stripe-emulator/catalog";

/**
 * Emulator mode only: where a browser on the API's own origin reaches the emulator, through the
 * app's development proxy (the emulator listens on another origin and sends no CORS headers).
 */
export const EMULATOR_PROXY_PATH = "/stripe-emulator";

/** Stripe's tolerance for webhook timestamps, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type StripeClient = {
  sdk: Stripe;
  mode: "live" | "emulator";
  publishableKey: string | undefined;
  webhookSecret: string;
  /** Emulator mode only: where the emulator listens (http://host:port), for the development proxy. */
  emulatorOrigin: string | undefined;
  /** Verifies webhook signatures; undefined: the SDK's default (Node's crypto). */
  cryptoProvider: Stripe.CryptoProvider | undefined;
};

/** How the SDK reaches Stripe and checks signatures; the defaults are Node's http and crypto. */
export type StripeTransport = { httpClient?: Stripe.HttpClient; cryptoProvider?: Stripe.CryptoProvider };

/** For runtimes without Node's http (Workers): the SDK's fetch client and Web Crypto signatures. */
export const fetchStripeTransport = (): StripeTransport => ({
  httpClient: Stripe.createFetchHttpClient(),
  cryptoProvider: Stripe.createSubtleCryptoProvider(),
});

/**
 * One SDK code path: with a secret key it talks to Stripe; without one it is pointed at
 * the local emulator (host, port, protocol), which speaks the same API.
 */
export function createStripeClient(
  config: Config,
  emulator: { host: string; port: number } | undefined,
  transport: StripeTransport = {},
): StripeClient {
  const webhookSecret = config.stripeWebhookSecret;
  if (!webhookSecret) throw new Error("STRIPE_WEBHOOK_SECRET is required");
  const common = {
    maxNetworkRetries: config.stripe.maxNetworkRetries,
    timeout: config.stripe.timeoutMs,
    appInfo: { name: "chat-pay" },
    ...(transport.httpClient && { httpClient: transport.httpClient }),
  };
  const { cryptoProvider } = transport;
  if (config.stripe.secretKey) {
    return {
      sdk: new Stripe(config.stripe.secretKey, common),
      mode: "live",
      publishableKey: config.stripe.publishableKey,
      webhookSecret,
      emulatorOrigin: undefined,
      cryptoProvider,
    };
  }
  if (!emulator) throw new Error("Without STRIPE_SECRET_KEY the Stripe emulator must be running");
  return {
    sdk: new Stripe(EMULATOR_SECRET_KEY, { ...common, host: emulator.host, port: emulator.port, protocol: "http" }),
    mode: "emulator",
    publishableKey: EMULATOR_PUBLISHABLE_KEY,
    webhookSecret,
    emulatorOrigin: `http://${emulator.host}:${emulator.port}`,
    cryptoProvider,
  };
}

/**
 * Runs a Stripe call; when Stripe is unreachable, slow or overloaded (after the SDK's own
 * retries), answers a retryable STRIPE_UNAVAILABLE instead of a generic failure.
 */
export async function callStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (
      err instanceof Stripe.errors.StripeConnectionError ||
      err instanceof Stripe.errors.StripeAPIError ||
      err instanceof Stripe.errors.StripeRateLimitError ||
      (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 0) >= 500)
    ) {
      throw new AppError("STRIPE_UNAVAILABLE", {
        detail: "Our card processor did not answer in time; nothing was changed, so it is safe to retry",
        cause: err,
      });
    }
    throw err;
  }
}

export function isStripeError(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripeError;
}
