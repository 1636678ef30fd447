import { z } from "@hono/zod-openapi";
import { AppError } from "../errors";

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 100;

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT).openapi({ example: 50 }),
  cursor: z.string().max(64).optional().openapi({ description: "next_cursor from the previous page" }),
});

/** Cursors point into bigint identity columns; anything larger was never issued. */
const INT8_MAX = 2n ** 63n - 1n;

/** Opaque cursors over a table's identity column, so pages are stable while rows are added. */
export function encodeCursor(seq: bigint): string {
  return btoa(`s:${seq}`).replaceAll("=", "");
}

export function decodeCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined;
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    throw invalidCursor();
  }
  const match = /^s:(\d{1,19})$/.exec(text);
  if (!match?.[1]) throw invalidCursor();
  const seq = BigInt(match[1]);
  if (seq > INT8_MAX) throw invalidCursor();
  return seq;
}

function invalidCursor(): AppError {
  return new AppError("VALIDATION_FAILED", {
    errors: [{ path: "cursor", message: "is not a cursor this API issued" }],
  });
}

/** Given limit + 1 rows, returns the page and the cursor for the next one. */
export function page<T extends { seq: bigint }>(rows: T[], limit: number): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
}
