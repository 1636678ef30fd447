import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "../errors";
import type { AppEnv } from "../http/app-env";
import { createRouter, problemResponses } from "../http/router";
import { EMULATOR_PROXY_PATH } from "../platform/stripe";

/**
 * Development only: the app's door to the local Stripe emulator for a browser on the API's own
 * origin, under EMULATOR_PROXY_PATH. The emulator listens on another port and sends no CORS
 * headers (Stripe's API is not called from pages either: Stripe.js is), so the web client's
 * test-mode card form goes through this proxy. Mounted only in emulator mode outside
 * production (see app.ts); no feature depends on it.
 */

/** What Stripe.js would send: the publishable key, the form body, and a retry key. */
const FORWARDED_HEADERS = ["authorization", "content-type", "idempotency-key"] as const;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const SetupIntentParams = z.object({
  id: z
    .string()
    .regex(/^seti_\w{1,250}$/)
    .openapi({ param: { name: "id", in: "path" }, example: "seti_1Nf2kC2eZvKYlo2C0a1b2c3d" }),
});

const AuthenticateParams = z.object({
  kind: z.enum(["setup_intents", "payment_intents"]).openapi({ param: { name: "kind", in: "path" } }),
  id: z
    .string()
    .regex(/^(seti|pi)_\w{1,250}$/)
    .openapi({ param: { name: "id", in: "path" }, example: "pi_3Nf2kC2eZvKYlo2C0a1b2c3d" }),
});

const StripeObject = z.looseObject({}).openapi("StripeEmulatorObject", {
  description: "The emulator's answer as Stripe would give it: the object, or `{ error }` with a 4xx status",
});
const stripeAnswer = {
  200: { description: "The Stripe object", content: { "application/json": { schema: StripeObject } } },
  400: { description: "Stripe's error object", content: { "application/json": { schema: StripeObject } } },
  401: { description: "Not a publishable key Stripe knows", content: { "application/json": { schema: StripeObject } } },
  402: { description: "Declined: Stripe's card error", content: { "application/json": { schema: StripeObject } } },
  404: { description: "No such intent at Stripe", content: { "application/json": { schema: StripeObject } } },
  ...problemResponses(503),
};

const confirmSetup = createRoute({
  method: "post",
  path: `${EMULATOR_PROXY_PATH}/v1/setup_intents/{id}/confirm`,
  tags: ["Development"],
  operationId: "confirmEmulatorSetupIntent",
  summary:
    "Test mode only: confirm a SetupIntent at the Stripe emulator, as Stripe.js would " +
    "(form body `payment_method=pm_card_<name>`, `Authorization: Bearer <publishable key>`)",
  security: [],
  request: { params: SetupIntentParams },
  responses: stripeAnswer,
});

const authenticate = createRoute({
  method: "post",
  path: `${EMULATOR_PROXY_PATH}/_emulator/{kind}/{id}/authenticate`,
  tags: ["Development"],
  operationId: "authenticateEmulatorIntent",
  summary: "Test mode only: finish 3-D Secure for a SetupIntent or PaymentIntent (form body `outcome=fail` to fail it)",
  security: [],
  request: { params: AuthenticateParams },
  responses: stripeAnswer,
});

/** Passes the request on unchanged and the emulator's answer back, status and body as they are. */
async function forward(c: Context<AppEnv>, path: string): Promise<Response> {
  const origin = c.get("deps").stripe.emulatorOrigin;
  if (!origin) throw new AppError("ROUTE_NOT_FOUND", { detail: "The Stripe emulator is not running" });
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = c.req.header(name);
    if (value === undefined) continue;
    // Node's HTTP client refuses other bytes in a header; Stripe would refuse them too.
    if (!PRINTABLE_ASCII.test(value)) {
      throw new AppError("VALIDATION_FAILED", { errors: [{ path: name, message: "must be printable ASCII" }] });
    }
    headers.set(name, value);
  }
  let answer: Response;
  try {
    answer = await fetch(`${origin}${path}`, { method: "POST", headers, body: await c.req.text() });
  } catch (cause) {
    throw new AppError("STRIPE_UNAVAILABLE", { detail: "The local Stripe emulator did not answer", cause });
  }
  return new Response(answer.body, {
    status: answer.status,
    headers: { "Content-Type": answer.headers.get("Content-Type") ?? "application/json" },
  });
}

function validParams<T extends z.ZodType>(schema: T, params: Record<string, string>): z.infer<T> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  throw new AppError("VALIDATION_FAILED", {
    errors: result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  });
}

const router = createRouter();
// Documented like every route; handled as plain Hono routes because the answer is the emulator's, passed through.
router.openAPIRegistry.registerPath(confirmSetup);
router.openAPIRegistry.registerPath(authenticate);
router.post(`${EMULATOR_PROXY_PATH}/v1/setup_intents/:id/confirm`, (c) => {
  const { id } = validParams(SetupIntentParams, c.req.param());
  return forward(c, `/v1/setup_intents/${id}/confirm`);
});
router.post(`${EMULATOR_PROXY_PATH}/_emulator/:kind/:id/authenticate`, (c) => {
  const { kind, id } = validParams(AuthenticateParams, c.req.param());
  return forward(c, `/_emulator/${kind}/${id}/authenticate`);
});

export const stripeEmulatorProxyRoutes = router;
