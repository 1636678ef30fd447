import { createRoute } from "@hono/zod-openapi";
import { PROBLEM_CONTENT_TYPE } from "../../http/problem";
import { bearerSecurity, createRouter, Problem } from "../../http/router";
import { EventStream, EventsHeaders, EventsQuery, resumeAfter } from "./events.schemas";
import { openEventStream } from "./open-event-stream";

const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  // Proxies such as nginx would otherwise hold events back to fill their buffers.
  "X-Accel-Buffering": "no",
};

const problemOf = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
});

const stream = createRoute({
  method: "get",
  path: "/v1/events",
  tags: ["Events"],
  operationId: "streamEvents",
  summary: "Your live events, as Server-Sent Events (resumable with Last-Event-ID)",
  security: bearerSecurity,
  request: { headers: EventsHeaders, query: EventsQuery },
  responses: {
    200: { description: "An open event stream", content: { "text/event-stream": { schema: EventStream } } },
    429: problemOf("Too many event streams open (yours, or this server's); close one or retry later"),
    503: problemOf("The server is shutting down; reconnect shortly"),
  },
});

export const eventsRoutes = createRouter().openapi(stream, async (c) => {
  const body = await openEventStream(c.get("deps"), {
    userId: c.get("userId"),
    lastEventId: resumeAfter(c.req.valid("header")["last-event-id"], c.req.valid("query").last_event_id),
    signal: c.req.raw.signal,
  });
  return c.body(body, 200, SSE_HEADERS);
});
