/**
 * The banks feature's public face: its routes (linking with consent, the bank's thread, balance
 * on step-up, fraud answers, relayed messages, unlinking, the access log, the banks' webhook),
 * the sweep step, and the account-closing listener. Everything else in this folder is internal to it.
 */
export { BANK_WEBHOOK_PATH, banksRoutes } from "./banks.routes";
export { endLinksOfClosingAccount } from "./close-links";
export { sweepBanks } from "./sweep-banks";
