import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, problemResponses } from "../../http/router";
import { receiveStripeEvent } from "./receive-stripe-event";

const webhook = createRoute({
  method: "post",
  path: "/v1/stripe/webhook",
  tags: ["Stripe"],
  operationId: "receiveStripeEvent",
  summary: "Stripe's webhook endpoint (signed with Stripe-Signature; no bearer token)",
  security: [],
  request: {
    headers: z.object({ "stripe-signature": z.string().max(2048).optional() }),
    body: {
      required: true,
      content: { "application/json": { schema: z.looseObject({ id: z.string(), type: z.string() }) } },
    },
  },
  responses: {
    200: {
      description: "Accepted (a duplicate delivery is accepted and ignored)",
      content: { "application/json": { schema: z.object({ received: z.literal(true), duplicate: z.boolean() }) } },
    },
    ...problemResponses(400, 503),
  },
});

export const stripeWebhooksRoutes = createRouter().openapi(webhook, async (c) => {
  const result = await receiveStripeEvent(c.get("deps"), {
    payload: await c.req.text(),
    signature: c.req.header("Stripe-Signature"),
  });
  return c.json({ received: true as const, duplicate: result.duplicate }, 200);
});
