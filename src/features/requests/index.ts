/**
 * The requests feature's public face: its routes, the paymentChanged listener compose.ts
 * registers (a share follows the payment made for it), and the sweep's step. Everything else
 * in this folder is internal to it.
 */
export { syncShareWithPayment } from "./request-state";
export { REQUEST_ROUTES_KEEPING_KEYS, requestsRoutes } from "./requests.routes";
export { sweepRequests } from "./sweep-requests";
