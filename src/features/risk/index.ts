/**
 * The risk feature's public face: the decision compose.ts hands payments (Deps.risk), the
 * step-up confirmation policy, its routes (reports, and the operators' review), and the rules'
 * evaluators. Everything else in this folder is internal to it.
 */
export { paymentRisk } from "./decide-payment-risk";
export { reviewRoutes } from "./review.routes";
export { riskRoutes } from "./risk.routes";
export { stepUpPolicy } from "./step-up-policy";
