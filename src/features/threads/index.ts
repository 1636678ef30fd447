/**
 * The threads feature's public face: its routes, membership, posting the messages of payments
 * and requests in their own transactions, and the person's thread with the service (alerts). Everything else in this folder is internal
 * to it.
 */
export { memberIdsOf } from "./get-thread";
export { postMessageInTransaction, revealPaymentMessage } from "./post-message";
export { membersAmong, requireMembership, threadNotFound } from "./require-membership";
export { deleteThreadMessages, openServiceThread } from "./service-threads";
export { systemThreadOf } from "./system-thread";
export { threadsRoutes } from "./threads.routes";
