import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BankHarness, createBankHarness, linkBank } from "./bank-helpers";
import { enrollTestCard } from "./cards-helpers";
import { newAuthenticator, registerPasskey, setPin } from "./security-helpers";

/** Every authenticated route: no token is 401, and someone else's thread is 404 (never 403). */
let h: BankHarness;
let routes: { method: string; path: string }[];
let outsider: { id: string; token: string };
let owned: { prefix: string; id: string; code: string }[];

beforeAll(async () => {
  h = await createBankHarness();
  const [alice, bob] = await Promise.all([h.signIn("alice"), h.signIn("bob")]);
  outsider = await h.signIn("mallory");
  const res = await h.request("POST", "/v1/threads", {
    token: alice.token,
    body: { kind: "direct", member_ids: [bob.id] },
  });
  const card = await enrollTestCard(h, alice, "visa_debit");
  const thread = ((await res.json()) as { id: string }).id;
  await setPin(h, alice, "480917");
  const payment = await h.request("POST", `/v1/threads/${thread}/payments`, {
    token: alice.token,
    body: { recipient_id: bob.id, amount_minor: 100, currency: "USD" },
    headers: { "Idempotency-Key": "scoping" },
  });
  const request = await h.request("POST", `/v1/threads/${thread}/requests`, {
    token: alice.token,
    body: { amount_minor: 100, currency: "USD" },
  });
  const bankLink = await linkBank(h, { ...alice, handle: "alice" });
  // Someone else's object for every route family with an id in its path.
  owned = [
    { prefix: "/v1/bank-links/", id: bankLink.id, code: "BANK_LINK_NOT_FOUND" },
    { prefix: "/v1/threads/", id: thread, code: "THREAD_NOT_FOUND" },
    {
      prefix: "/v1/payments/",
      id: ((await payment.json()) as { payment: { id: string } }).payment.id,
      code: "PAYMENT_NOT_FOUND",
    },
    { prefix: "/v1/requests/", id: ((await request.json()) as { id: string }).id, code: "REQUEST_NOT_FOUND" },
    // Reporting someone you share no thread with; the review API, without the operator role.
    { prefix: "/v1/people/", id: alice.id, code: "PERSON_NOT_FOUND" },
    { prefix: "/v1/risk/", id: "pay_8d2k1m0c7x4v9t3r6p5n2b1a0q", code: "ROUTE_NOT_FOUND" },
    { prefix: "/v1/cards/", id: ((await card.json()) as { id: string }).id, code: "CARD_NOT_FOUND" },
    { prefix: "/v1/me/devices/", id: await registerPasskey(h, alice, newAuthenticator()), code: "DEVICE_NOT_FOUND" },
    {
      prefix: "/v1/me/exports/",
      id: ((await (await h.request("POST", "/v1/me/exports", { token: alice.token })).json()) as { export_id: string })
        .export_id,
      code: "CHALLENGE_NOT_FOUND",
    },
  ];
  routes = h.app.routes.filter(
    (r) => r.method !== "ALL" && r.path.startsWith("/v1/") && !PUBLIC.some((p) => r.path.startsWith(p)),
  );
});
afterAll(() => h.close());

/** Development sign-in, and Stripe's and the banks' webhooks (authenticated by their signatures instead). */
const PUBLIC = ["/v1/dev/", "/v1/stripe/webhook", "/v1/banks/"];
const bodyFor = (method: string) => (method === "GET" || method === "DELETE" ? undefined : {});
/** A body that passes validation, so the answer is about whose object it is and nothing else. */
const VALID_BODIES: Record<string, object> = {
  "/v1/threads/:id/payments": { recipient_id: "usr_someone", amount_minor: 100, currency: "USD" },
  "/v1/threads/:id/requests": { amount_minor: 100, currency: "USD" },
  "/v1/payments/:id/confirm": {
    challenge_id: "chl_8d2k1m0c7x4v9t3r6p5n2b1a0q",
    method: "pin",
    response: { pin: "480917" },
  },
  "/v1/bank-links/:id/balance/step-up": {
    request_id: "bbr_8d2k1m0c7x4v9t3r6p5n2b1a0q",
    challenge_id: "chl_8d2k1m0c7x4v9t3r6p5n2b1a0q",
    method: "pin",
    response: { pin: "480917" },
  },
  "/v1/payments/:id/reports": { reason: "scam" },
  "/v1/people/:id/reports": { thread_id: "thr_8d2k1m0c7x4v9t3r6p5n2b1a0q", reason: "abuse" },
  "/v1/bank-links/:id/alert-answers": { alert_id: "bka_8d2k1m0c7x4v9t3r6p5n2b1a0q", answer: "not_me" },
  "/v1/me/exports/:id/download": {
    challenge_id: "chl_8d2k1m0c7x4v9t3r6p5n2b1a0q",
    method: "pin",
    response: { pin: "480917" },
  },
};
const idOf = (prefix: string) => owned.find((o) => o.prefix === prefix)?.id ?? "";
const ownerOf = (path: string) => owned.find((o) => path.startsWith(o.prefix));

describe("every authenticated route", () => {
  it("covers the routes this suite knows about", () => {
    expect(routes.length).toBeGreaterThanOrEqual(5);
  });

  it("answers 401 without a token", async () => {
    for (const route of routes) {
      const path = route.path.replace(":id", ownerOf(route.path)?.id ?? "x");
      const res = await h.request(route.method, path, { body: bodyFor(route.method) });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it("answers 404 (never 403) on someone else's objects, and changes nothing", async () => {
    const scoped = routes.filter((r) => r.path.includes(":id"));
    expect(scoped.length).toBeGreaterThanOrEqual(5);
    for (const route of scoped) {
      const owner = ownerOf(route.path);
      expect(owner, `${route.path} needs an owned object in this suite`).toBeDefined();
      const body = route.method === "POST" ? (VALID_BODIES[route.path] ?? { body: "let me in" }) : undefined;
      const res = await h.request(route.method, route.path.replace(":id", owner?.id ?? ""), {
        token: outsider.token,
        body,
      });
      const text = await res.text();
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
      expect((JSON.parse(text) as { code: string }).code, `${route.method} ${route.path}`).toBe(owner?.code);
    }
    const thread = idOf("/v1/threads/");
    expect(
      await h.db
        .selectFrom("messages")
        .selectAll()
        .where("thread_id", "=", thread)
        .where("kind", "=", "text")
        .execute(),
    ).toEqual([]);
    const payment = await h.db
      .selectFrom("payments")
      .select("status")
      .where("id", "=", idOf("/v1/payments/"))
      .executeTakeFirstOrThrow();
    expect(payment.status).toBe("requires_confirmation");
    const request = await h.db
      .selectFrom("payment_request_shares")
      .select("status")
      .where("request_id", "=", idOf("/v1/requests/"))
      .execute();
    expect(request.map((r) => r.status)).toEqual(["pending"]);
    const cards = await h.db.selectFrom("cards").selectAll().where("removed_at", "is", null).execute();
    expect(cards.map((c) => c.id)).toEqual([idOf("/v1/cards/")]);
    const devices = await h.db.selectFrom("webauthn_credentials").select("id").execute();
    expect(devices.map((d) => d.id)).toEqual([idOf("/v1/me/devices/")]);
  });
});
