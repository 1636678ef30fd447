/**
 * With real Stripe keys, card details are typed into Stripe's own iframe (Elements), so they
 * never touch this page or the API. Only the few Stripe.js calls the client makes are typed
 * here. This path needs Stripe's servers and cannot run in the local tests; the emulator path
 * (test cards by name) is what the tests drive.
 */

type StripeResultError = { message?: string };

export type StripeCardElement = {
  mount(target: HTMLElement): void;
  destroy(): void;
  on(event: "change", handler: (event: { error?: { message: string } }) => void): void;
};

export type StripeJs = {
  elements(): { create(type: "card", options?: Record<string, unknown>): StripeCardElement };
  confirmCardSetup(
    clientSecret: string,
    data: { payment_method: { card: StripeCardElement } },
  ): Promise<{ setupIntent?: { id: string; status: string }; error?: StripeResultError }>;
  createToken(card: StripeCardElement): Promise<{ token?: { id: string }; error?: StripeResultError }>;
  handleNextAction(options: { clientSecret: string }): Promise<{
    paymentIntent?: { status: string };
    error?: StripeResultError;
  }>;
};

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}

const STRIPE_JS_URL = "https://js.stripe.com/v3/";
let loading: Promise<StripeJs> | undefined;

/** Loads Stripe.js once (the page's CSP allows js.stripe.com only when live keys are configured). */
export function loadStripe(publishableKey: string): Promise<StripeJs> {
  loading ??= new Promise<StripeJs>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = STRIPE_JS_URL;
    script.async = true;
    script.onload = () =>
      window.Stripe ? resolve(window.Stripe(publishableKey)) : reject(new Error("Stripe.js did not load"));
    script.onerror = () => {
      loading = undefined;
      reject(new Error("Could not load Stripe.js; check your connection"));
    };
    document.head.append(script);
  });
  return loading;
}

export function stripeMessage(error: StripeResultError | undefined, fallback: string): string {
  return error?.message ?? fallback;
}
