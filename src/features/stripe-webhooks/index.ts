/**
 * The Stripe webhooks feature's public face: its route, which hands each event to the feature
 * owning its object, and the sweep's purge of the events it has recorded.
 */
export { purgeOldStripeEvents } from "./purge-stripe-events";
export { stripeWebhooksRoutes } from "./stripe-webhooks.routes";
