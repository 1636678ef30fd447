import { serve } from "@hono/node-server";
import { Hono } from "hono";

/** The HTTP ceiling: the smallest Hono app on @hono/node-server, one JSON route, same Node. */
const app = new Hono();
app.get("/", (c) => c.json({ ok: true }));
const port = Number(process.env.PORT ?? 0);
serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info) => {
  console.log(`Listening on http://127.0.0.1:${info.port}`);
});
