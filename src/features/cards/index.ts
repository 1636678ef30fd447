/**
 * The cards feature's public face: its routes, the card PIN-reset proof compose.ts lists, what
 * payments need of a person's cards, and what Stripe's card and payout-account events mean.
 * Everything else in this folder is internal to it.
 */
export { cardResetProof } from "./card-reset-proof";
export { cardsRoutes } from "./cards.routes";
export { chargeableCard, findDefaultCard } from "./funding-cards";
export { payoutDestinationOf } from "./payout-destination";
export { cardDetachedAtStripe, payoutAccountChanged } from "./stripe-card-events";
