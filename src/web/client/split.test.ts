import { describe, expect, it } from "vitest";
import { equalSplit, leftToAssign } from "./split";

describe("splitting a request", () => {
  it("splits equally, the remainder a cent at a time to the first people asked", () => {
    expect(equalSplit(3000, 2, false)).toEqual({ ok: true, shares: [1500, 1500], own: null });
    expect(equalSplit(1000, 3, false)).toEqual({ ok: true, shares: [334, 333, 333], own: null });
    // Counting yourself in makes one more part; yours never takes the remainder.
    expect(equalSplit(1000, 2, true)).toEqual({ ok: true, shares: [334, 333], own: 333 });
  });

  it("refuses a split nobody is asked in, or one too small for a cent each", () => {
    expect(equalSplit(1000, 0, true)).toEqual({ ok: false, reason: "Pick at least one person to ask" });
    expect(equalSplit(2, 2, true)).toEqual({ ok: false, reason: "The amount is too small to split this way" });
  });

  it("counts down what is left to share out by amounts", () => {
    expect(leftToAssign(2500, [])).toBe(2500);
    expect(leftToAssign(2500, [1500])).toBe(1000);
    expect(leftToAssign(2500, [1500, 1000])).toBe(0);
    expect(leftToAssign(2500, [1500, 1200])).toBe(-200);
  });
});
