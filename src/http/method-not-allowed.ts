import type { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { tryDecodeURIComponent } from "hono/utils/url";
import type { AppEnv } from "./app-env";
import { problem } from "./problem";

type Route = { method: string; segments: string[]; params: z.ZodType | undefined };

/**
 * 405 for a path that routes serve with other methods. `Allow` names only the routes that
 * really serve the path: a route counts when the path's parameters pass the route's own
 * validation, so `/v1/cards/setup` does not count as a card id for `DELETE /v1/cards/{id}`.
 */
export function methodNotAllowed(app: OpenAPIHono<AppEnv>): MiddlewareHandler<AppEnv> {
  let routes: Route[] | undefined;
  return async (c, next) => {
    await next();
    if (c.res.status !== 404 || c.error) return;
    routes ??= app.openAPIRegistry.definitions.flatMap((definition) =>
      definition.type === "route"
        ? [
            {
              method: definition.route.method.toUpperCase(),
              segments: definition.route.path.split("/"),
              params: definition.route.request?.params,
            },
          ]
        : [],
    );
    const segments = c.req.path.split("/");
    const methods = new Set(routes.filter((route) => serves(route, segments)).map((route) => route.method));
    if (methods.has("GET")) methods.add("HEAD");
    if (methods.size === 0 || methods.has(c.req.method)) return;
    const allow = [...methods].sort().join(", ");
    c.res.headers.delete("Content-Length");
    c.res = problem(c, "METHOD_NOT_ALLOWED", { detail: `Use ${allow}`, headers: { Allow: allow } });
  };
}

function serves(route: Route, segments: string[]): boolean {
  if (route.segments.length !== segments.length) return false;
  const params: Record<string, string> = {};
  for (const [i, part] of route.segments.entries()) {
    const value = segments[i] ?? "";
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name) params[name] = tryDecodeURIComponent(value);
    else if (part !== value) return false;
  }
  return route.params === undefined || route.params.safeParse(params).success;
}
