/**
 * The risk feature's public face: the decision compose.ts hands payments (Deps.risk), the
 * step-up confirmation policy, the paymentChanged listener that alerts a held payment's sender,
 * and its routes (reports, and the operators' review). Everything else in this folder is internal to it.
 */
export { alertOnHold } from "./alerts";
export { paymentRisk } from "./decide-payment-risk";
export { reviewRoutes } from "./review.routes";
export { riskRoutes } from "./risk.routes";
export { stepUpPolicy } from "./step-up-policy";
