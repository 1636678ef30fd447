import { createRoute } from "@hono/zod-openapi";
import { decodeCursor, PageQuery } from "../../http/pagination";
import { bearerSecurity, createRouter } from "../../http/router";
import { listSecurityEvents } from "./list-security-events";
import { SecurityEventPage, toSecurityEventDto } from "./security.schemas";

const list = createRoute({
  method: "get",
  path: "/v1/me/security-events",
  tags: ["Security"],
  operationId: "listSecurityEvents",
  summary: "Your security events (PIN, devices, confirmations), newest first",
  security: bearerSecurity,
  request: { query: PageQuery },
  responses: {
    200: { description: "A page of events", content: { "application/json": { schema: SecurityEventPage } } },
  },
});

export const securityRoutes = createRouter().openapi(list, async (c) => {
  const query = c.req.valid("query");
  const result = await listSecurityEvents(c.get("deps"), {
    userId: c.get("userId"),
    beforeSeq: decodeCursor(query.cursor),
    limit: query.limit,
  });
  return c.json({ items: result.items.map(toSecurityEventDto), next_cursor: result.next_cursor }, 200);
});
