/**
 * What the server tells the web client about this deployment, embedded in the page as JSON
 * (so the client needs no extra request, and the page's CSP needs no inline script).
 * Shared by the server (web.routes.ts) and the browser code (client/).
 */
export type PageConfig = {
  /** Development sign-in (`POST /v1/dev/sessions`) and the demo directory exist. */
  dev_sessions: boolean;
  stripe: {
    mode: "live" | "emulator";
    /** For Stripe.js with real keys; the emulator's test key in emulator mode. */
    publishable_key: string | null;
    /** Emulator mode: the same-origin prefix under which the app proxies the emulator. */
    emulator_base_path: string | null;
  };
  /** Currencies payments may use (PAYMENT_CURRENCIES), the default first. */
  currencies: string[];
  /** Origins where passkeys work (WebAuthn refuses IP addresses such as 127.0.0.1). */
  webauthn_origins: string[];
};

export const PAGE_CONFIG_ELEMENT_ID = "chat-pay-config";
