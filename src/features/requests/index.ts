/**
 * The requests feature's public face: its routes, asking for money (risk asks a mistaken
 * payment's recipient to send it back), the paymentChanged listener compose.ts registers (a
 * share follows the payment made for it), and the sweep's step. Everything else
 * in this folder is internal to it.
 */
export { createRequest } from "./create-request";
export { syncShareWithPayment } from "./request-state";
export { REQUEST_ROUTES_KEEPING_KEYS, requestsRoutes } from "./requests.routes";
export { sweepRequests } from "./sweep-requests";
