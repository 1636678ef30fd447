import type { CurrencyCode } from "./currencies";

/** Why a transfer was not created; `EXISTS_WITH_DIFFERENT_FIELD` names the field. */
export type TransferFailureCode =
  | "INVALID_ID"
  | "AMOUNT_MUST_BE_POSITIVE"
  | "AMOUNT_EXCEEDS_MAXIMUM"
  | "CURRENCY_NOT_SUPPORTED"
  | "ACCOUNTS_MUST_BE_DIFFERENT"
  | "ACCOUNT_NOT_FOUND"
  | "CURRENCY_MISMATCH"
  | "INSUFFICIENT_FUNDS"
  | "EXPIRY_MUST_BE_FUTURE"
  | "EXPIRY_ONLY_FOR_PENDING"
  | "METADATA_TOO_LARGE"
  | "REFERENCE_TOO_LONG"
  | "EXISTS_WITH_DIFFERENT_FIELD"
  | "PENDING_TRANSFER_NOT_FOUND"
  | "PENDING_TRANSFER_ALREADY_RESOLVED"
  | "PENDING_TRANSFER_EXPIRED"
  | "PENDING_TRANSFER_NOT_DUE"
  | "AMOUNT_EXCEEDS_PENDING"
  | "LINKED_TRANSFER_FAILED"
  | "LINKED_CHAIN_OPEN";

type Common = {
  /** Client-chosen and unique: the idempotency handle. */
  id: string;
  reference?: string | null;
  metadata?: Record<string, unknown>;
  /** Succeed or fail together with the next transfer in the same call (TigerBeetle's `linked`). */
  linked?: boolean;
};

/** Money moves now (`posted`) or is held (`pending`, optionally until `expiresAt`). */
export type NewTransfer = Common & {
  type: "posted" | "pending";
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: bigint;
  currency: CurrencyCode | string;
  expiresAt?: Date | null;
};

/** Resolves a pending transfer: post (all, or part and release the rest), void, or expire (sweep only). */
export type Resolution = Common & {
  type: "post_pending" | "void_pending" | "expire_pending";
  pendingId: string;
  /** Post only: defaults to the pending amount. */
  amountMinor?: bigint;
};

export type TransferInput = NewTransfer | Resolution;

export type TransferResult =
  | { id: string; result: "created" | "exists" }
  | { id: string; result: "failed"; code: TransferFailureCode; field?: string };

export type Balance = {
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
};
