import type { ColumnType, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date, never>;

export type UsersTable = {
  id: string;
  handle: string | null;
  display_name: string;
  created_at: Timestamp;
};

export type ThreadsTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  kind: "direct" | "group";
  title: string | null;
  direct_key: string | null;
  created_by: string;
  created_at: Timestamp;
};

export type ThreadMembersTable = {
  thread_id: string;
  user_id: string;
  joined_at: Timestamp;
};

export type MessagesTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  thread_id: string;
  sender_id: string;
  kind: "text";
  body: string;
  created_at: Timestamp;
};

export type IdempotencyKeysTable = {
  user_id: string;
  key: string;
  fingerprint: string;
  state: "in_flight" | "completed";
  response_status: number | null;
  response_body: string | null;
  response_content_type: string | null;
  locked_at: Date;
  created_at: Timestamp;
  expires_at: Date;
};

export type LedgerAccountsTable = {
  id: string;
  owner_id: string;
  purpose: string;
  currency: string;
  debits_must_not_exceed_credits: boolean;
  debits_pending: ColumnType<bigint, bigint | undefined, bigint>;
  debits_posted: ColumnType<bigint, bigint | undefined, bigint>;
  credits_pending: ColumnType<bigint, bigint | undefined, bigint>;
  credits_posted: ColumnType<bigint, bigint | undefined, bigint>;
  created_at: Timestamp;
};

export type TransferKind = "posted" | "pending" | "post_pending" | "void_pending" | "expire_pending";
export type PendingState = "pending" | "posted" | "voided" | "expired";

export type LedgerTransfersTable = {
  id: string;
  seq: ColumnType<bigint, never, never>;
  kind: TransferKind;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  pending_id: string | null;
  state: PendingState | null;
  expires_at: Date | null;
  reference: string | null;
  metadata: ColumnType<Record<string, unknown>, string, never>;
  created_at: Timestamp;
  resolved_at: Date | null;
};

export type LedgerBalancesTable = {
  account_id: string;
  transfer_seq: bigint;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
};

export type Database = {
  users: UsersTable;
  threads: ThreadsTable;
  thread_members: ThreadMembersTable;
  messages: MessagesTable;
  idempotency_keys: IdempotencyKeysTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_balances: LedgerBalancesTable;
};

export type User = Selectable<UsersTable>;
export type Thread = Selectable<ThreadsTable>;
export type Message = Selectable<MessagesTable>;
export type IdempotencyKey = Selectable<IdempotencyKeysTable>;
export type LedgerAccount = Selectable<LedgerAccountsTable>;
export type LedgerTransfer = Selectable<LedgerTransfersTable>;
