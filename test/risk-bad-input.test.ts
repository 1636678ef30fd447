import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { footprint } from "./footprint";
import { createHarness, type Harness } from "./harness";
import { confirmWithPin, directThread, type Person, sender, sendOk, settle } from "./payment-helpers";
import { operatorToken } from "./risk-helpers";

/** Every risk route refuses malformed input with a problem+json answer, and changes nothing. */

let h: Harness;
let alice: Person;
let bob: Person;
let threadId: string;
let paymentId: string;

beforeAll(async () => {
  h = await createHarness();
  alice = await sender(h, "alice");
  bob = await sender(h, "bob", null);
  threadId = await directThread(h, alice, bob);
  const created = await sendOk(h, alice, threadId, bob, 300);
  expect((await confirmWithPin(h, alice, created)).status).toBe(200);
  // Stripe's webhooks for the charge land before any test counts rows.
  await settle(h);
  paymentId = created.payment.id;
});
afterAll(() => h.close());

async function expectProblem(res: Response, status: number, code: string): Promise<void> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
  expect(((await res.json()) as { code: string }).code).toBe(code);
}

describe("bad input on the risk routes", () => {
  it("refuses malformed reports of payments and people", async () => {
    const before = await footprint(h.db);
    const bodies: unknown[] = [
      {},
      { reason: "fraud" },
      { reason: "scam", extra: 1 },
      { reason: "scam", note: "x".repeat(501) },
      { reason: "scam", note: "a\u0000b" },
      { reason: ["scam"] },
      JSON.stringify("scam"),
    ];
    for (const body of bodies) {
      const res = await h.request("POST", `/v1/payments/${paymentId}/reports`, { token: alice.token, body });
      await expectProblem(res, 422, "VALIDATION_FAILED");
    }
    await expectProblem(
      await h.request("POST", "/v1/payments/pay_%00/reports", { token: alice.token, body: { reason: "scam" } }),
      422,
      "VALIDATION_FAILED",
    );
    const personBodies: unknown[] = [
      { reason: "abuse" },
      { thread_id: "nope", reason: "abuse" },
      { thread_id: threadId, reason: "mistake" },
      { thread_id: threadId, reason: "abuse", note: 5 },
    ];
    for (const body of personBodies) {
      const res = await h.request("POST", `/v1/people/${bob.id}/reports`, { token: alice.token, body });
      await expectProblem(res, 422, "VALIDATION_FAILED");
    }
    await expectProblem(
      await h.request("POST", `/v1/people/${"x".repeat(65)}/reports`, {
        token: alice.token,
        body: { thread_id: threadId, reason: "abuse" },
      }),
      422,
      "VALIDATION_FAILED",
    );
    expect(await footprint(h.db)).toEqual(before);
  });

  it("refuses malformed acknowledgements of a payment's warnings", async () => {
    const created = await sendOk(h, alice, threadId, bob, 100);
    const before = await footprint(h.db);
    for (const acknowledged_warnings of ["first_payee", [1], ["Not A Code"], Array.from({ length: 33 }, () => "x")]) {
      const res = await h.request("POST", `/v1/payments/${created.payment.id}/confirm`, {
        token: alice.token,
        body: {
          challenge_id: created.confirmation?.challenge_id,
          method: "pin",
          response: { pin: "480917" },
          acknowledged_warnings,
        },
      });
      await expectProblem(res, 422, "VALIDATION_FAILED");
    }
    expect(await footprint(h.db)).toEqual(before);
  });

  it("refuses malformed operator requests, reasons required", async () => {
    const token = await operatorToken(h);
    const before = await footprint(h.db);
    const calls: [string, string, unknown][] = [
      ["GET", "/v1/risk/held-payments?limit=0", undefined],
      ["GET", "/v1/risk/held-payments?limit=abc", undefined],
      ["GET", "/v1/risk/held-payments?cursor=%00%00", undefined],
      ["GET", "/v1/risk/reports?status=closed", undefined],
      ["POST", `/v1/risk/held-payments/${paymentId}/release`, {}],
      ["POST", `/v1/risk/held-payments/${paymentId}/release`, { reason: "" }],
      ["POST", `/v1/risk/held-payments/${paymentId}/cancel`, { reason: "ok", extra: true }],
      ["POST", "/v1/risk/held-payments/pay_%00/cancel", { reason: "looks bad" }],
      ["POST", "/v1/risk/reports/rpt_x/resolve", { outcome: "upheld", reason: "seen it" }],
      ["POST", "/v1/risk/reports/rpt_0000000000000000000000000a/resolve", { outcome: "maybe", reason: "seen it" }],
      ["PUT", `/v1/risk/people/${bob.id}`, { reason: "nothing to set" }],
      ["PUT", `/v1/risk/people/${bob.id}`, { tier: "gold", reason: "checked" }],
      ["PUT", `/v1/risk/people/${bob.id}`, { limited: "yes", reason: "checked" }],
    ];
    for (const [method, path, body] of calls) {
      const res = await h.request(method, path, { token, ...(body === undefined ? {} : { body }) });
      await expectProblem(res, 422, "VALIDATION_FAILED");
    }
    // Well-formed, but about nothing that exists.
    await expectProblem(
      await h.request("POST", "/v1/risk/reports/rpt_0000000000000000000000000a/resolve", {
        token,
        body: { outcome: "upheld", reason: "seen it" },
      }),
      404,
      "REPORT_NOT_FOUND",
    );
    await expectProblem(
      await h.request("PUT", "/v1/risk/people/usr_nobody", { token, body: { tier: "verified", reason: "checked" } }),
      404,
      "PERSON_NOT_FOUND",
    );
    await expectProblem(
      await h.request("POST", `/v1/risk/held-payments/${paymentId}/release`, { token, body: { reason: "not held" } }),
      409,
      "PAYMENT_NOT_HELD",
    );
    const after = await footprint(h.db);
    // The operator's first request records them as a person (as for anyone whose token is verified).
    expect({ ...after, users: before.users, user_events: before.user_events }).toEqual(before);
  });
});
