import { describe, expect, it } from "vitest";
import { pinWeakness } from "./pin-rules";

describe("pinWeakness", () => {
  it("refuses one digit repeated, short patterns repeated, and runs either way (wrapping too)", () => {
    for (const pin of ["000000", "999999", "121212", "909090", "123123", "987987"]) {
      expect(pinWeakness(pin), pin).toMatch(/repeated/);
    }
    for (const pin of ["012345", "123456", "456789", "567890", "890123"])
      expect(pinWeakness(pin), pin).toMatch(/ascending/);
    for (const pin of ["543210", "987654", "210987", "098765"]) expect(pinWeakness(pin), pin).toMatch(/descending/);
  });

  it("accepts PINs without those patterns", () => {
    for (const pin of ["480917", "112233", "123457", "135790", "246801", "100000"]) {
      expect(pinWeakness(pin), pin).toBeUndefined();
    }
  });
});
