import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAYMENT_STATUSES } from "../db/schema";
import { changePayment, TRANSITIONS } from "../src/features/payments/payment-state";
import { lockPayment } from "../src/features/payments/payments.repository";
import { withTransaction } from "../src/platform/db";
import { createHarness, type Harness } from "./harness";
import { directThread, sender, sendOk } from "./payment-helpers";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("the payment lifecycle", () => {
  it("names every status once, never returns to unconfirmed, and ends in final states", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...PAYMENT_STATUSES].sort());
    for (const targets of Object.values(TRANSITIONS)) expect(targets).not.toContain("requires_confirmation");
    for (const final of ["paid_out", "failed", "canceled", "declined", "expired", "refunded"] as const) {
      expect(TRANSITIONS[final]).toEqual([]);
    }
  });

  it("refuses a move the table does not allow, changing nothing", async () => {
    const alice = await sender(h, "alice");
    const bob = await sender(h, "bob", null);
    const { payment } = await sendOk(h, alice, await directThread(h, alice, bob), bob, 100);
    const attempt = withTransaction(h.db, async (trx) => {
      const locked = await lockPayment(trx, payment.id);
      if (!locked) throw new Error("payment missing");
      return changePayment(h.deps, trx, locked, "paid_out");
    });
    await expect(attempt).rejects.toThrow(/cannot go from requires_confirmation to paid_out/);
    const audit = await h.db.selectFrom("payment_audit").selectAll().where("payment_id", "=", payment.id).execute();
    expect(audit.map((a) => a.to_status)).toEqual(["requires_confirmation"]);
  });
});
