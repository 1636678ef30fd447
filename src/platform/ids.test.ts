import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("prefixes 26 Crockford base32 characters (128 random bits)", () => {
    const ids = Array.from({ length: 1000 }, () => newId("pay"));
    for (const id of ids) expect(id).toMatch(/^pay_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
