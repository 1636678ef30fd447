/**
 * The ledger's public face: accounts, posting transfers, balances, the sweep's expiry of held
 * transfers and the verification `npm run ledger:verify` runs. Everything else in this folder
 * is internal to it.
 */
export { type AccountPurpose, ensureAccount, ensureAccounts, PLATFORM_OWNER } from "./accounts";
export { ownerAvailableOf, ownerBalance, viewBalance } from "./balances";
export { CURRENCIES, isCurrency } from "./currencies";
export { expirePendingTransfers } from "./expire-pending-transfers";
export type { TransferInput } from "./ledger.types";
export { postTransfers } from "./post-transfers";
export { verifyLedger } from "./verify-ledger";
