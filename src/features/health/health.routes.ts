import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { AppError } from "../../errors";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../http/problem";
import { createRouter, problemResponses } from "../../http/router";
import { pendingMigrations } from "../../platform/migrate";

const Health = z.object({ status: z.literal("ok") }).openapi("Health");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Operations"],
  operationId: "checkLiveness",
  summary: "The process is alive",
  security: [],
  responses: { 200: { description: "Alive", content: { "application/json": { schema: Health } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["Operations"],
  operationId: "checkReadiness",
  summary: "The database is reachable and every migration has run",
  security: [],
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: Health } } },
    ...problemResponses(503),
  },
});

export const healthRoutes = createRouter()
  .openapi(healthz, (c) => c.json({ status: "ok" as const }, 200))
  .openapi(readyz, async (c) => {
    const { db } = c.get("deps");
    let pending: string[];
    try {
      await sql`select 1`.execute(db);
      pending = await pendingMigrations(db);
    } catch (cause) {
      throw new AppError("NOT_READY", {
        detail: "The database is not reachable",
        retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
        cause,
      });
    }
    if (pending.length > 0) throw new AppError("NOT_READY", { detail: `Pending migrations: ${pending.join(", ")}` });
    return c.json({ status: "ok" as const }, 200);
  });
