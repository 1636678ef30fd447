import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Deps } from "../deps";
import type { AppEnv } from "../http/app-env";
import { createRouter } from "../http/router";
import { toHex } from "../platform/hex";
import { EMULATOR_PROXY_PATH } from "../platform/stripe";
import { PAGE_CONFIG_ELEMENT_ID, type PageConfig } from "./page-config";
import { PAGE_CONFIG_MARKER, type WebClientBundle, type WebClientLoader } from "./web-client";

/**
 * The page loads only its own script and stylesheet and talks only to this origin. With real
 * Stripe keys, Stripe.js and its card iframes come from Stripe's hosts (Stripe's published CSP).
 */
function contentSecurityPolicy(mode: Deps["stripe"]["mode"]): string {
  const stripe = mode === "live";
  return [
    "default-src 'none'",
    `script-src 'self'${stripe ? " https://js.stripe.com https://*.js.stripe.com" : ""}`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${stripe ? " https://api.stripe.com" : ""}`,
    ...(stripe ? ["frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com"] : []),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const COMMON_HEADERS = {
  // Revalidate every time (cheap: ETag), so a restarted server's new client is picked up at once.
  "Cache-Control": "no-cache",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const text = (mediaType: string, description: string) => ({
  200: { description, content: { [mediaType]: { schema: z.string() } } },
  304: { description: "Unchanged since the ETag sent in If-None-Match" },
});

const page = createRoute({
  method: "get",
  path: "/",
  tags: ["Web client"],
  operationId: "getWebClient",
  summary: "The reference chat client (open it in a browser; passkeys need http://localhost, not 127.0.0.1)",
  security: [],
  responses: text("text/html", "The client's page"),
});

const script = createRoute({
  method: "get",
  path: "/assets/app.js",
  tags: ["Web client"],
  operationId: "getWebClientScript",
  summary: "The client's script (compiled from src/web/client when the server starts)",
  security: [],
  responses: text("text/javascript", "JavaScript module"),
});

const styles = createRoute({
  method: "get",
  path: "/assets/app.css",
  tags: ["Web client"],
  operationId: "getWebClientStyles",
  summary: "The client's stylesheet",
  security: [],
  responses: text("text/css", "Stylesheet"),
});

function pageConfig(deps: Deps): PageConfig {
  const emulator = deps.stripe.mode === "emulator" && deps.config.env !== "production";
  return {
    dev_sessions: deps.config.env !== "production",
    stripe: {
      mode: deps.stripe.mode,
      publishable_key: deps.stripe.publishableKey ?? null,
      emulator_base_path: emulator ? EMULATOR_PROXY_PATH : null,
    },
    currencies: deps.config.payments.currencies,
    webauthn_origins: deps.config.webauthn.origins,
  };
}

/** JSON inside a script element: `<` is escaped so nothing in it can close the element. */
function renderPage(bundle: WebClientBundle, config: PageConfig): string {
  const json = JSON.stringify(config).replaceAll("<", "\\u003c");
  return bundle.html.replace(
    PAGE_CONFIG_MARKER,
    `<script type="application/json" id="${PAGE_CONFIG_ELEMENT_ID}">${json}</script>`,
  );
}

async function etagOf(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return `"${toHex(new Uint8Array(digest).slice(0, 12))}"`;
}

/** Serves the reference web client from the loader (compiled once; ETags computed once per body). */
export function webClientRoutes(load: WebClientLoader) {
  const etags = new Map<string, Promise<string>>();
  const send = async (c: Context<AppEnv>, body: string, contentType: string, extra: Record<string, string> = {}) => {
    let etag = etags.get(body);
    if (!etag) {
      etag = etagOf(body);
      etags.set(body, etag);
    }
    const headers = { ...COMMON_HEADERS, ...extra, ETag: await etag };
    if (c.req.header("If-None-Match") === headers.ETag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, "Content-Type": contentType });
  };

  return createRouter()
    .openapi(page, async (c) => {
      const deps = c.get("deps");
      const html = renderPage(await load(), pageConfig(deps));
      return send(c, html, "text/html; charset=utf-8", {
        "Content-Security-Policy": contentSecurityPolicy(deps.stripe.mode),
      });
    })
    .openapi(script, async (c) => send(c, (await load()).script, "text/javascript; charset=utf-8"))
    .openapi(styles, async (c) => send(c, (await load()).styles, "text/css; charset=utf-8"));
}
