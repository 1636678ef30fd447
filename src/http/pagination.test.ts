import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { decodeCursor, encodeCursor, page } from "./pagination";

describe("cursors", () => {
  it("round-trip every non-negative bigint sequence number", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (seq) => {
        expect(decodeCursor(encodeCursor(seq))).toBe(seq);
      }),
    );
  });

  it("refuse anything they did not issue with a validation error, never a crash", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (text) => {
        try {
          const decoded = decodeCursor(text);
          expect(encodeCursor(decoded as bigint)).toBe(text);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe("VALIDATION_FAILED");
        }
      }),
    );
  });

  it("page() returns a next cursor only when there are more rows", () => {
    const rows = [{ seq: 9n }, { seq: 8n }, { seq: 7n }];
    expect(page(rows, 2)).toEqual({ items: rows.slice(0, 2), next_cursor: encodeCursor(8n) });
    expect(page(rows, 3)).toEqual({ items: rows, next_cursor: null });
  });
});
