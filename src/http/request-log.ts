import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

/** Only these request headers may ever reach a log line (Authorization, cookies and bodies never do). */
const LOGGED_HEADERS = ["user-agent", "content-type", "content-length"] as const;

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const headers: Record<string, string> = {};
  for (const name of LOGGED_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers[name.replaceAll("-", "_")] = value;
  }
  c.get("deps").logger.info(
    {
      request_id: c.get("requestId"),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      user_id: c.var.userId,
      code: c.var.problemCode,
      ...headers,
    },
    "request",
  );
};
