import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";
import { confirmWithPin, directThread, expectMoneyAccountedFor, sender, sendOk } from "./payment-helpers";

/**
 * Confirmations must never hold a pooled connection while waiting for another: with a pool of
 * two and more concurrent PIN confirmations than connections, they all still finish.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ DB_POOL_MAX: "2", DB_POOL_ACQUIRE_TIMEOUT_MS: "20000" });
});
afterAll(() => h.close());

describe("a small connection pool under concurrent confirmations", () => {
  it("confirms every payment instead of starving the pool", async () => {
    const pairs = [];
    for (let i = 0; i < 6; i++) {
      const from = await sender(h, `pressed_${i}`);
      const to = { ...(await h.signIn(`pressed_to_${i}`)), handle: `pressed_to_${i}` };
      pairs.push({ from, created: await sendOk(h, from, await directThread(h, from, to), to, 100 + i) });
    }
    const results = await Promise.all(pairs.map(({ from, created }) => confirmWithPin(h, from, created)));
    expect(results.map((r) => r.status)).toEqual(pairs.map(() => 200));
    await expectMoneyAccountedFor(h);
  }, 60_000);
});
