import { z } from "@hono/zod-openapi";
import type { SecurityEvent as SecurityEventRow } from "../../../db/schema";

export const SecurityEvent = z
  .object({
    id: z.string().openapi({ example: "sev_3kq0c8m5x2v9t1r7p4n6b0a2zd" }),
    kind: z.string().openapi({
      example: "pin_changed",
      description:
        "pin_set, pin_changed, pin_failed, pin_locked, pin_disabled, pin_reset, device_added, device_removed, confirmation_succeeded (more may follow)",
    }),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("SecurityEvent");

export const SecurityEventPage = z
  .object({ items: z.array(SecurityEvent), next_cursor: z.string().nullable() })
  .openapi("SecurityEventPage");

export function toSecurityEventDto(event: SecurityEventRow): z.infer<typeof SecurityEvent> {
  return { id: event.id, kind: event.kind, detail: event.detail, created_at: event.created_at.toISOString() };
}
