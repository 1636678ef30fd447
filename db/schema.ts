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

export type Database = {
  users: UsersTable;
  threads: ThreadsTable;
  thread_members: ThreadMembersTable;
  messages: MessagesTable;
  idempotency_keys: IdempotencyKeysTable;
};

export type User = Selectable<UsersTable>;
export type Thread = Selectable<ThreadsTable>;
export type Message = Selectable<MessagesTable>;
export type IdempotencyKey = Selectable<IdempotencyKeysTable>;
