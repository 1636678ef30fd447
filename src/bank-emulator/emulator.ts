import { Hono } from "hono";
import { bankAppRoutes } from "./bank-app";
import { controlRoutes, createBankControl } from "./control";
import { fdxError } from "./faults";
import { fdxRoutes } from "./fdx";
import { oauthRoutes } from "./oauth";
import { type BankEmulatorOptions, createBankStore } from "./store";

/**
 * A bank partner of our own for local runs and tests: an OAuth 2.0 authorization server with a
 * simulated login and approval screen (PKCE S256 required), FDX-shaped reads that enforce the
 * granted scopes, the partner calls the service makes (fraud answers, relayed messages), signed
 * webhooks with retries and switches, bank-side revocation, injectable faults, and the bank's own
 * pages at its root for the demo (a purchase, a suspicious one, revoking access). In-memory and
 * driven by the injected clock.
 */
export function createBankEmulator(options: BankEmulatorOptions) {
  const store = createBankStore(options);
  const control = createBankControl(store);
  const app = new Hono()
    .route("/", oauthRoutes(store))
    .route("/", fdxRoutes(store))
    .route("/", controlRoutes(store, control))
    .route("/", bankAppRoutes(store, control));
  app.notFound((c) => fdxError(c, 404, "404", `No route for ${c.req.method} ${c.req.path}`));
  return { app, control };
}

export type BankEmulator = ReturnType<typeof createBankEmulator>;
