import type { MiddlewareHandler } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { healthRoutes } from "./features/health/health.routes";
import { threadsRoutes } from "./features/threads/threads.routes";
import { devSessionsRoutes } from "./features/users/dev-sessions.routes";
import type { AppEnv, Deps } from "./http/app-env";
import { createTokenVerifier, requireAuth } from "./http/auth";
import { registerDocs } from "./http/docs";
import { idempotency } from "./http/idempotency";
import { onError, problem } from "./http/problem";
import { limitBody, requireJsonBody } from "./http/request-guards";
import { requestLog } from "./http/request-log";
import { createRouter } from "./http/router";
import { newId } from "./platform/ids";

const REQUEST_ID_MAX_LENGTH = 128;
/** Routes under /v1 that need no bearer token. */
const PUBLIC_PREFIX = "/v1/dev/";

/** The whole API as one Hono app; runtime-agnostic, everything it needs comes in through deps. */
export function buildApp(deps: Deps) {
  const app = createRouter();
  const authenticated =
    (handler: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> =>
    (c, next) =>
      c.req.path.startsWith(PUBLIC_PREFIX) ? next() : handler(c, next);

  app.use(requestId({ generator: () => newId("req"), limitLength: REQUEST_ID_MAX_LENGTH }));
  app.use(async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use(requestLog);
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problem(c, "METHOD_NOT_ALLOWED", {
          detail: `Use ${methods.join(", ")}`,
          headers: { Allow: methods.join(", ") },
        }),
    }),
  );
  app.use(limitBody, requireJsonBody);
  app.use("/v1/*", authenticated(requireAuth(createTokenVerifier(deps.config.auth, deps.clock))));
  app.use("/v1/*", authenticated(idempotency));

  app.route("/", healthRoutes);
  if (deps.config.env !== "production") app.route("/", devSessionsRoutes);
  app.route("/", threadsRoutes);
  registerDocs(app);

  app.notFound((c) => problem(c, "ROUTE_NOT_FOUND", { detail: `No route for ${c.req.method} ${c.req.path}` }));
  app.onError(onError);
  return app;
}
