import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PageConfig } from "../src/web/page-config";
import { createHarness, type Harness } from "./harness";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

function pageConfigOf(html: string): PageConfig {
  const json = /<script type="application\/json" id="chat-pay-config">(.*?)<\/script>/s.exec(html)?.[1];
  if (!json) throw new Error("no page config in the page");
  return JSON.parse(json) as PageConfig;
}

describe("the web client's files", () => {
  it("serves the page with a strict CSP and its configuration, and revalidates by ETag", async () => {
    const res = await h.request("GET", "/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toContain("<!--page-config-->");
    expect(pageConfigOf(html)).toEqual({
      dev_sessions: true,
      stripe: {
        mode: "emulator",
        publishable_key: h.deps.stripe.publishableKey,
        emulator_base_path: "/stripe-emulator",
      },
      currencies: ["USD"],
      webauthn_origins: ["http://localhost:8787"],
    });

    const etag = res.headers.get("ETag") ?? "";
    const again = await h.request("GET", "/", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
  });

  it("serves the compiled script and the stylesheet with their content types", async () => {
    const js = await h.request("GET", "/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    const script = await js.text();
    expect(script).toContain("/v1/events");
    // Compiled: no TypeScript-only syntax is left for the browser to choke on.
    expect(script).not.toMatch(/^import type /m);
    const css = await h.request("GET", "/assets/app.css");
    expect(css.headers.get("Content-Type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain(".money-card");
  });
});

describe("finding demo people by handle", () => {
  it("answers id, handle and display name of a person who exists, and nothing else", async () => {
    const alice = await h.signIn("alice");
    const bob = await h.signIn("bob");
    const res = await h.request("GET", "/v1/users?handle=bob", { token: alice.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [{ id: bob.id, handle: "bob", display_name: "bob" }] });

    const byId = await h.request("GET", `/v1/users?id=${bob.id}`, { token: alice.token });
    expect(((await byId.json()) as { items: { id: string }[] }).items.map((u) => u.id)).toEqual([bob.id]);

    const nobody = await h.request("GET", "/v1/users?handle=nobody_here", { token: alice.token });
    expect(await nobody.json()).toEqual({ items: [] });
  });

  it("needs a token, and exactly one of handle and id", async () => {
    expect((await h.request("GET", "/v1/users?handle=bob")).status).toBe(401);
    const alice = await h.signIn("alice");
    for (const query of ["", "?handle=bob&id=usr_x", "?handle=Not-A-Handle", "?email=a@b.c"]) {
      const res = await h.request("GET", `/v1/users${query}`, { token: alice.token });
      expect(res.status, query).toBe(422);
      expect(((await res.json()) as { code: string }).code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("the Stripe emulator, reached from the page's own origin", () => {
  it("confirms a SetupIntent with a test card through the proxy, as Stripe.js would", async () => {
    const alice = await h.signIn("alice_proxy");
    const setupRes = await h.request("POST", "/v1/cards/setup", { token: alice.token });
    const setup = (await setupRes.json()) as {
      setup_intent_id: string;
      publishable_key: string;
      emulator: { confirm_path: string; authenticate_path: string; browser_base_path: string };
    };
    expect(setup.emulator.browser_base_path).toBe("/stripe-emulator");
    expect(setup.emulator.authenticate_path).toBe(`/_emulator/setup_intents/${setup.setup_intent_id}/authenticate`);

    const confirmed = await h.request("POST", `${setup.emulator.browser_base_path}${setup.emulator.confirm_path}`, {
      headers: { ...FORM, Authorization: `Bearer ${setup.publishable_key}` },
      body: "payment_method=pm_card_visa_debit",
    });
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { status: string }).status).toBe("succeeded");
    const card = await h.request("POST", "/v1/cards", {
      token: alice.token,
      body: { setup_intent_id: setup.setup_intent_id, payout_token: "tok_visa_debit" },
    });
    expect(card.status).toBe(201);
    expect(((await card.json()) as { receives_payouts: boolean }).receives_payouts).toBe(true);
  });

  it("passes Stripe's own errors through, and proxies nothing but confirm and authenticate", async () => {
    const noKey = await h.request("POST", "/stripe-emulator/v1/setup_intents/seti_123/confirm", {
      headers: FORM,
      body: "payment_method=pm_card_visa_debit",
    });
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");

    const notAnIntent = await h.request("POST", "/stripe-emulator/v1/setup_intents/cus_123/confirm", {
      headers: FORM,
      body: "",
    });
    expect(notAnIntent.status).toBe(422);

    const elsewhere = await h.request("POST", "/stripe-emulator/v1/customers", {
      headers: { ...FORM, Authorization: `Bearer ${h.deps.stripe.publishableKey}` },
      body: "",
    });
    expect(elsewhere.status).toBe(404);
  });
});

describe("in production", () => {
  it("has no directory, no emulator proxy, and a CSP that lets Stripe.js in", async () => {
    const prod = await createHarness({ NODE_ENV: "production", STRIPE_SECRET_KEY: "sk_test_not_used_here" });
    try {
      const paths = prod.app.routes.map((r) => r.path);
      expect(paths).not.toContain("/v1/users");
      expect(paths.some((p) => p.startsWith("/stripe-emulator"))).toBe(false);
      const res = await prod.request("GET", "/");
      expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self' https://js.stripe.com");
      const config = pageConfigOf(await res.text());
      expect(config.dev_sessions).toBe(false);
      expect(config.stripe).toEqual({ mode: "live", publishable_key: null, emulator_base_path: null });
    } finally {
      await prod.close();
    }
  });
});
