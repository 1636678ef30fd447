/** The Stripe webhooks feature's public face: its route, which hands each event to the feature owning its object. */
export { stripeWebhooksRoutes } from "./stripe-webhooks.routes";
