import { describe, expect, it } from "vitest";
import { ApiError, IdempotentAction, NetworkError } from "./api";

describe("one money-moving action, retried", () => {
  const keysOf = async (outcomes: (Error | "ok")[], bodies: unknown[] = []) => {
    const action = new IdempotentAction();
    const keys: string[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      await action
        .run(bodies[i] ?? { amount_minor: 1234 }, async (key) => {
          keys.push(key);
          if (outcome !== "ok") throw outcome;
        })
        .catch(() => undefined);
    }
    return keys;
  };

  it("reuses its Idempotency-Key while the outcome is unknown", async () => {
    const [a, b, c] = await keysOf([
      new NetworkError(new TypeError("fetch failed")),
      new ApiError(503, { code: "STRIPE_UNAVAILABLE" }),
      new ApiError(409, { code: "IDEMPOTENCY_KEY_IN_USE" }),
    ]);
    expect(a).toMatch(/^web-[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it("takes a new key after a definite answer, or when the body changes", async () => {
    const [a, b, c] = await keysOf([new ApiError(422, { code: "LIMIT_EXCEEDED" }), "ok", "ok"]);
    expect(new Set([a, b, c]).size).toBe(3);
    const [d, e] = await keysOf([new NetworkError(null), "ok"], [{ amount_minor: 1 }, { amount_minor: 2 }]);
    expect(e).not.toBe(d);
  });

  it("shows people the problem's detail, and the first invalid field", () => {
    const err = new ApiError(422, {
      title: "The request is not valid",
      code: "VALIDATION_FAILED",
      errors: [{ path: "amount_minor", message: "must be more than zero" }],
    });
    expect(err.message).toBe("The request is not valid: amount_minor must be more than zero");
    expect(new ApiError(422, { detail: "Incorrect PIN", code: "PIN_INCORRECT" }).message).toBe("Incorrect PIN");
  });
});
