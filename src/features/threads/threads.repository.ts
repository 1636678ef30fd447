import { type Insertable, sql } from "kysely";
import type { Message, MessagesTable, Thread, User } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";

/** Inserts the thread and its members; undefined when a direct thread between them already exists. */
export async function insertThreadIfAbsent(
  trx: Trx,
  thread: Omit<Thread, "seq">,
  memberIds: readonly string[],
): Promise<Thread | undefined> {
  const inserted = await trx
    .insertInto("threads")
    .values(thread)
    .onConflict((oc) => oc.column("direct_key").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!inserted) return undefined;
  await trx
    .insertInto("thread_members")
    .values(memberIds.map((user_id) => ({ thread_id: thread.id, user_id, joined_at: thread.created_at })))
    .execute();
  return inserted;
}

export function findThreadByDirectKey(db: Db | Trx, directKey: string): Promise<Thread | undefined> {
  return db.selectFrom("threads").selectAll().where("direct_key", "=", directKey).executeTakeFirst();
}

/** The thread, only if this person is a member of it. */
export function findThreadForMember(db: Db | Trx, threadId: string, userId: string): Promise<Thread | undefined> {
  return db
    .selectFrom("threads")
    .innerJoin("thread_members", "thread_members.thread_id", "threads.id")
    .selectAll("threads")
    .where("threads.id", "=", threadId)
    .where("thread_members.user_id", "=", userId)
    .executeTakeFirst();
}

export async function findMembersAmong(db: Db | Trx, threadId: string, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom("thread_members")
    .select("user_id")
    .where("thread_id", "=", threadId)
    .where("user_id", "in", userIds)
    .execute();
  return rows.map((r) => r.user_id);
}

export function listThreadsForMember(
  db: Db,
  userId: string,
  beforeSeq: bigint | undefined,
  take: number,
): Promise<Thread[]> {
  let query = db
    .selectFrom("threads")
    .innerJoin("thread_members", "thread_members.thread_id", "threads.id")
    .selectAll("threads")
    .where("thread_members.user_id", "=", userId);
  if (beforeSeq !== undefined) query = query.where("threads.seq", "<", beforeSeq);
  return query.orderBy("threads.seq", "desc").limit(take).execute();
}

export function listMembers(db: Db | Trx, threadIds: readonly string[]): Promise<(User & { thread_id: string })[]> {
  if (threadIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("thread_members")
    .innerJoin("users", "users.id", "thread_members.user_id")
    .selectAll("users")
    .select("thread_members.thread_id")
    .where("thread_members.thread_id", "in", threadIds)
    .orderBy("thread_members.joined_at")
    .orderBy("users.id")
    .execute();
}

/** Who is in the thread (ids only), e.g. to tell each of them about a new message. */
export async function listMemberIds(db: Db | Trx, threadId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("thread_members")
    .select("user_id")
    .where("thread_id", "=", threadId)
    .orderBy("user_id")
    .execute();
  return rows.map((row) => row.user_id);
}

export function insertMessage(db: Db | Trx, message: Insertable<MessagesTable>): Promise<Message> {
  return db.insertInto("messages").values(message).returningAll().executeTakeFirstOrThrow();
}

/**
 * Clears who alone may see the payment's message, in one statement: the message with its
 * thread's members, or undefined when it was already shown.
 */
export async function revealMessageOfPayment(
  trx: Trx,
  paymentId: string,
): Promise<{ message: Message; memberIds: string[] } | undefined> {
  const row = await trx
    .updateTable("messages")
    .set({ visible_only_to: null })
    .where("payment_id", "=", paymentId)
    .where("visible_only_to", "is not", null)
    .returningAll()
    .returning((eb) =>
      eb
        .selectFrom("thread_members")
        .select(sql<string[]>`array_agg(user_id order by user_id)`.as("ids"))
        .whereRef("thread_members.thread_id", "=", "messages.thread_id")
        .as("member_ids"),
    )
    .executeTakeFirst();
  if (!row) return undefined;
  const { member_ids, ...message } = row;
  return { message, memberIds: member_ids ?? [] };
}

/** A thread's messages as one member sees them (not those still private to someone else). */
export function listMessages(
  db: Db,
  threadId: string,
  viewerId: string,
  beforeSeq: bigint | undefined,
  take: number,
): Promise<Message[]> {
  let query = db
    .selectFrom("messages")
    .selectAll()
    .where("thread_id", "=", threadId)
    .where((eb) => eb.or([eb("visible_only_to", "is", null), eb("visible_only_to", "=", viewerId)]));
  if (beforeSeq !== undefined) query = query.where("seq", "<", beforeSeq);
  return query.orderBy("seq", "desc").limit(take).execute();
}

/** A thread's messages (those written before a time, if given), locked for deletion. */
export function lockThreadMessages(trx: Trx, threadId: string, before: Date | undefined): Promise<Message[]> {
  let query = trx.selectFrom("messages").selectAll().where("thread_id", "=", threadId);
  if (before) query = query.where("created_at", "<", before);
  return query.forUpdate().execute();
}

export async function deleteMessagesById(trx: Trx, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await trx.deleteFrom("messages").where("id", "in", ids).execute();
}
