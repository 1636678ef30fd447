import { z } from "@hono/zod-openapi";

const INT8_MAX = 2n ** 63n - 1n;

// Empty means "none" (a client that has not seen an event yet may send the header empty).
const EventId = z
  .string()
  .regex(/^\d{0,19}$/, "must be an event id (the `id:` of an event you received)")
  // Zod runs refinements after a failed regex too: only digits may reach BigInt.
  .refine((value) => !/^\d+$/.test(value) || BigInt(value) <= INT8_MAX, "must be an event id");

export const EventsQuery = z.strictObject({
  last_event_id: EventId.optional().openapi({
    description:
      "For clients that cannot send headers: resume after this event id (the header wins when both are sent)",
    example: "1234",
  }),
});

export const EventsHeaders = z.object({
  "last-event-id": EventId.optional().openapi({
    description: "Resume after this event id: the events you missed are replayed first (EventSource sends it itself)",
  }),
});

export const EventStream = z.string().openapi({
  description:
    "Server-Sent Events. Each event has `id:` (resume with it), `event:` the type (`message.created`, " +
    "`payment.updated`, `request.updated`, `thread.created`) and `data:` one line of JSON (the object's DTO). " +
    "`: keep-alive` comment lines arrive while nothing happens. Ids are unique, and every stream " +
    "of yours (and every replay) sees the same events in the same order; order by arrival, not by id value.",
  example:
    'retry: 2000\n\nid: 42\nevent: message.created\ndata: {"id": "msg_...", "thread_id": "thr_...", "kind": "text"}\n\n: keep-alive\n\n',
});

/** The event id to resume after: the header (what EventSource sends on reconnect) over the query. */
export function resumeAfter(header: string | undefined, query: string | undefined): bigint | undefined {
  const value = header || query;
  return value ? BigInt(value) : undefined;
}
