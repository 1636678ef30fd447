/**
 * The payments feature's public face: its routes, starting a payment (a request's share is paid
 * with one), reading one, its confirmable, the shapes a request's routes share, the payoutReady
 * listener compose.ts registers, the sweep's step, and what Stripe's charge and payout events
 * mean. Everything else in this folder is internal to it.
 */
export { confirmableOf, isConfirmed } from "./confirmable";
export { createPayment } from "./create-payment";
export { deliverWaitingPayments } from "./deliver-payment";
export { disputeChanged } from "./dispute-payment";
export { formatAmount } from "./format-amount";
export { containsCardNumber } from "./memo";
export { PAYMENT_ROUTES_KEEPING_KEYS, paymentsRoutes } from "./payments.routes";
export {
  amountMinor,
  memo,
  Payment,
  RequiredIdempotencyKeyHeader,
  ThreadPaymentParams,
  toPaymentDto,
} from "./payments.schemas";
export { getPayment } from "./read-payments";
export { cancelHeldPayment, releaseHeldPayment } from "./resolve-hold";
export { chargeRefunded, paymentIntentChanged, payoutChanged } from "./stripe-payment-events";
export { sweepPayments } from "./sweep-payments";
