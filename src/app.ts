import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { BuildDeps, Deps } from "./deps";
import type { ErrorCode } from "./errors";
import { BANK_WEBHOOK_PATH, banksRoutes } from "./features/banks";
import { cardsRoutes } from "./features/cards";
import { devicesRoutes } from "./features/devices";
import { eventsRoutes } from "./features/events";
import { healthRoutes } from "./features/health";
import { PAYMENT_ROUTES_KEEPING_KEYS, paymentsRoutes } from "./features/payments";
import { pinRoutes } from "./features/pin";
import { PRIVACY_ROUTES_KEEPING_NO_KEYS, privacyRoutes } from "./features/privacy";
import { REQUEST_ROUTES_KEEPING_KEYS, requestsRoutes } from "./features/requests";
import { reviewRoutes, riskRoutes } from "./features/risk";
import { securityRoutes } from "./features/security";
import { stripeWebhooksRoutes } from "./features/stripe-webhooks";
import { threadsRoutes } from "./features/threads";
import { devSessionsRoutes, ensureUser, usersRoutes } from "./features/users";
import type { AppEnv, RequestBindings } from "./http/app-env";
import { createTokenVerifier, requireAuth } from "./http/auth";
import { type MiddlewareProblems, registerDocs } from "./http/docs";
import { idempotency } from "./http/idempotency";
import { methodNotAllowed } from "./http/method-not-allowed";
import { onError, problem } from "./http/problem";
import { limitBody, requireJsonBody } from "./http/request-guards";
import { requestLog } from "./http/request-log";
import { createRouter } from "./http/router";
import { newId } from "./platform/ids";
import { EMULATOR_PROXY_PATH } from "./platform/stripe";
import { stripeEmulatorProxyRoutes } from "./stripe-emulator/proxy.routes";
import { webClientRoutes } from "./web/web.routes";

const REQUEST_ID_MAX_LENGTH = 128;
const STRIPE_WEBHOOK_PATH = "/v1/stripe/webhook";
/** Stripe's events can carry whole objects; they get more room than the API's 16 KiB. */
const STRIPE_WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;
/** Routes under /v1 that need no bearer token: development sign-in, and Stripe and the banks (signed instead). */
const isPublic = (path: string) =>
  path.startsWith("/v1/dev/") || path === STRIPE_WEBHOOK_PATH || BANK_WEBHOOK_PATH.test(path);
/** The emulator proxy carries Stripe's form-encoded bodies through unchanged. */
const takesJsonBody = (path: string) => !path.startsWith(`${EMULATOR_PROXY_PATH}/`);
const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * What the middleware below and onError can answer on an operation besides what its route
 * documents, for the OpenAPI document; Node answers malformed HTTP and oversized headers before
 * the app runs.
 */
const middlewareProblems: MiddlewareProblems = (method, path) => {
  const codes: ErrorCode[] = ["BAD_REQUEST", "REQUEST_HEADERS_TOO_LARGE", "INTERNAL"];
  if (METHODS_WITH_BODY.has(method)) codes.push("PAYLOAD_TOO_LARGE");
  if (METHODS_WITH_BODY.has(method) && takesJsonBody(path)) {
    codes.push("UNSUPPORTED_MEDIA_TYPE", "MALFORMED_JSON", "VALIDATION_FAILED");
  }
  if (!path.startsWith("/v1/")) return codes;
  codes.push("DATABASE_UNAVAILABLE");
  if (isPublic(path)) return codes;
  codes.push("UNAUTHENTICATED");
  if (method === "POST") codes.push("IDEMPOTENCY_KEY_INVALID", "IDEMPOTENCY_KEY_IN_USE", "IDEMPOTENCY_KEY_REUSED");
  return codes;
};

/**
 * The whole API as one Hono app; runtime-agnostic, everything it needs comes in through deps.
 * `deps` serves every request unless the runtime hands a request its own, `app.fetch(request,
 * { deps })`: Workers do, since connections (and whatever waits on them) belong to one request.
 * Building reads only what BuildDeps names.
 */
export function buildApp(deps: Deps | BuildDeps) {
  const app = createRouter();
  const authenticated =
    (handler: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> =>
    (c, next) =>
      isPublic(c.req.path) ? next() : handler(c, next);

  app.use(requestId({ generator: () => newId("req"), limitLength: REQUEST_ID_MAX_LENGTH }));
  app.use(async (c, next) => {
    const own = (c.env as RequestBindings | undefined)?.deps ?? ("db" in deps ? deps : undefined);
    if (!own) throw new Error("This app was built to serve requests that bring their own deps");
    c.set("deps", own);
    await next();
  });
  app.use(requestLog);
  app.use(methodNotAllowed(app));
  app.use(limitBody({ [STRIPE_WEBHOOK_PATH]: STRIPE_WEBHOOK_BODY_LIMIT_BYTES }), (c, next) =>
    takesJsonBody(c.req.path) ? requireJsonBody(c, next) : next(),
  );
  app.use("/v1/*", authenticated(requireAuth(createTokenVerifier(deps.config.auth, deps.clock), ensureUser)));
  // Routes that keep their key in their own transaction, and the export's download, which keeps none.
  const keysLeftToRoutes = [
    ...PAYMENT_ROUTES_KEEPING_KEYS,
    ...REQUEST_ROUTES_KEEPING_KEYS,
    ...PRIVACY_ROUTES_KEEPING_NO_KEYS,
  ];
  app.use("/v1/*", authenticated(idempotency(new Set(keysLeftToRoutes))));

  app.route("/", healthRoutes);
  if (deps.config.env !== "production") app.route("/", devSessionsRoutes).route("/", usersRoutes);
  app.route("/", threadsRoutes);
  app.route("/", eventsRoutes);
  app.route("/", pinRoutes);
  app.route("/", devicesRoutes);
  app.route("/", securityRoutes);
  app.route("/", cardsRoutes);
  app.route("/", stripeWebhooksRoutes);
  app.route("/", paymentsRoutes);
  app.route("/", requestsRoutes);
  app.route("/", banksRoutes);
  app.route("/", privacyRoutes);
  app.route("/", riskRoutes);
  app.route("/", reviewRoutes);
  if (deps.stripe.mode === "emulator" && deps.config.env !== "production") app.route("/", stripeEmulatorProxyRoutes);
  if (deps.webClient) app.route("/", webClientRoutes(deps.webClient));
  registerDocs(app, middlewareProblems);

  app.notFound((c) => problem(c, "ROUTE_NOT_FOUND", { detail: `No route for ${c.req.method} ${c.req.path}` }));
  app.onError(onError);
  return app;
}
