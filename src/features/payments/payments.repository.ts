import { type Expression, type ExpressionBuilder, type Insertable, type SqlBool, sql, type Updateable } from "kysely";
import type { Database, Payment, PaymentStatus, PaymentsTable } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import { appendRows } from "../../platform/gathered-writes";

export async function insertPayment(trx: Trx, row: Insertable<PaymentsTable>): Promise<Payment> {
  return trx.insertInto("payments").values(row).returningAll().executeTakeFirstOrThrow();
}

export function findPaymentByKey(db: Db | Trx, senderId: string, key: string): Promise<Payment | undefined> {
  return db
    .selectFrom("payments")
    .selectAll()
    .where("sender_id", "=", senderId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
}

/**
 * Who may see a payment: its sender always, its recipient once the sender has confirmed it
 * (isConfirmed in confirmable.ts, in SQL). Until then it is an intention, and one canceled or
 * expired unconfirmed never becomes anything else.
 */
const visibleTo =
  (userId: string) =>
  (eb: ExpressionBuilder<Database, "payments">): Expression<SqlBool> =>
    eb.or([eb("sender_id", "=", userId), eb.and([eb("recipient_id", "=", userId), eb("funding", "is not", null)])]);

/** The payment, only for its sender, or its recipient once it is confirmed. */
export function findPaymentForParty(db: Db | Trx, id: string, userId: string): Promise<Payment | undefined> {
  return db.selectFrom("payments").selectAll().where("id", "=", id).where(visibleTo(userId)).executeTakeFirst();
}

/** Locks the payment for a state change; every transition holds this lock. */
export function lockPayment(trx: Trx, id: string): Promise<Payment | undefined> {
  return trx.selectFrom("payments").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export type PaymentUpdate = Updateable<PaymentsTable>;

export function updatePayment(trx: Trx, id: string, patch: PaymentUpdate): Promise<Payment> {
  return trx.updateTable("payments").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function insertAudit(
  trx: Trx,
  row: {
    payment_id: string;
    from_status: string | null;
    to_status: string;
    actor_id: string | null;
    detail: Record<string, unknown>;
    created_at: Date;
  },
): Promise<void> {
  await appendRows(trx, "payment_audit", [{ ...row, detail: JSON.stringify(row.detail) }]);
}

export function listAudit(db: Db, paymentId: string) {
  return db.selectFrom("payment_audit").selectAll().where("payment_id", "=", paymentId).orderBy("id").execute();
}

export type PaymentFilter = {
  userId: string;
  direction: "sent" | "received" | undefined;
  status: PaymentStatus | undefined;
  threadId: string | undefined;
  beforeSeq: bigint | undefined;
  take: number;
};

export function listPayments(db: Db, f: PaymentFilter): Promise<Payment[]> {
  let query = db.selectFrom("payments").selectAll();
  if (f.direction === "sent") query = query.where("sender_id", "=", f.userId);
  else if (f.direction === "received")
    query = query.where("recipient_id", "=", f.userId).where("funding", "is not", null);
  else query = query.where(visibleTo(f.userId));
  if (f.status) query = query.where("status", "=", f.status);
  if (f.threadId) query = query.where("thread_id", "=", f.threadId);
  if (f.beforeSeq !== undefined) query = query.where("seq", "<", f.beforeSeq);
  return query.orderBy("seq", "desc").limit(f.take).execute();
}

/** Statuses whose amount counts against the sender's limits: everything not abandoned or returned. */
export const COUNTED_STATUSES: readonly PaymentStatus[] = [
  "requires_confirmation",
  "processing",
  "requires_action",
  "held",
  "awaiting_recipient",
  "paying_out",
  "paid_out",
];

/**
 * What the sender's limits rest on, in one read: per window, the total of the payments in it
 * and the oldest one's time; with `countAwaiting`, how many of their payments await
 * confirmation; and the other features' facts the limits need, embedded as scalar subqueries
 * (when the account was made, when its PIN was last reset).
 */
export async function sendingStanding(
  db: Db | Trx,
  input: {
    senderId: string;
    currency: string;
    since: readonly Date[];
    excludeId: string | undefined;
    countAwaiting: boolean;
    accountCreatedAt: Expression<Date>;
    pinResetAt: Expression<Date | null>;
  },
): Promise<{
  windows: { total: bigint; oldest: Date | null }[];
  awaitingConfirmation: number | undefined;
  accountCreatedAt: Date;
  pinResetAt: Date | null;
}> {
  const { senderId, since, excludeId } = input;
  const widest = new Date(Math.min(...since.map((d) => d.getTime())));
  const awaiting = db
    .selectFrom("payments")
    .select((eb) => eb.fn.countAll<bigint>().as("n"))
    .where("sender_id", "=", senderId)
    .where("status", "=", "requires_confirmation");
  const row: Record<string, unknown> = await db
    .selectFrom("payments")
    .select([
      ...since.flatMap((from, i) => [
        sql<string>`coalesce(sum(amount_minor) filter (where created_at > ${from}), 0)::text`.as(`total_${i}`),
        sql<Date | null>`min(created_at) filter (where created_at > ${from})`.as(`oldest_${i}`),
      ]),
      ...(input.countAwaiting ? [sql<string>`(${awaiting})::text`.as("awaiting_confirmation")] : []),
      sql<Date>`(${input.accountCreatedAt})`.as("account_created_at"),
      sql<Date | null>`(${input.pinResetAt})`.as("pin_reset_at"),
    ])
    .where("sender_id", "=", senderId)
    .where("currency", "=", input.currency)
    .where("status", "in", COUNTED_STATUSES)
    .where("created_at", ">", widest)
    .$if(excludeId !== undefined, (q) => q.where("id", "<>", excludeId as string))
    .executeTakeFirstOrThrow();
  return {
    windows: since.map((_, i) => ({
      total: BigInt(row[`total_${i}`] as string),
      oldest: (row[`oldest_${i}`] as Date | null) ?? null,
    })),
    awaitingConfirmation: input.countAwaiting ? Number(row.awaiting_confirmation) : undefined,
    accountCreatedAt: row.account_created_at as Date,
    pinResetAt: (row.pin_reset_at as Date | null) ?? null,
  };
}

export function findByPaymentIntent(db: Db | Trx, paymentIntentId: string): Promise<Payment | undefined> {
  return db.selectFrom("payments").selectAll().where("payment_intent_id", "=", paymentIntentId).executeTakeFirst();
}

export function findPayment(db: Db | Trx, id: string): Promise<Payment | undefined> {
  return db.selectFrom("payments").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function idsWhere(
  db: Db,
  where: { status: PaymentStatus; dueColumn: "confirm_by" | "claim_by" | "updated_at" | "held_until"; before: Date },
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom("payments")
    .select("id")
    .where("status", "=", where.status)
    .where(where.dueColumn, "<=", where.before)
    // A disputed charge's payment waits for the dispute's decision, whatever its own timers say.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("payment_disputes as d")
            .select("d.id")
            .whereRef("d.payment_id", "=", "payments.id")
            .where("d.status", "=", "open"),
        ),
      ),
    )
    .orderBy(where.dueColumn)
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function pendingRefundIds(db: Db, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("payments")
    .select("id")
    .where("refund_state", "=", "pending")
    .where("updated_at", "<=", before)
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Queues a failed payout attempt's transfer for reversal (once, however often it is asked). */
export async function queueTransferReversal(
  trx: Trx,
  row: { transfer_id: string; payment_id: string; attempt: number; at: Date },
): Promise<void> {
  const { at, ...rest } = row;
  await trx
    .insertInto("payout_reversals")
    .values({ ...rest, state: "pending", reversal_id: null, created_at: at, updated_at: at })
    .onConflict((oc) => oc.column("transfer_id").doNothing())
    .execute();
}

/** This payment's transfers still to reverse. */
export async function pendingReversals(db: Db, paymentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("payout_reversals")
    .select("transfer_id")
    .where("state", "=", "pending")
    .where("payment_id", "=", paymentId)
    .execute();
  return rows.map((r) => r.transfer_id);
}

/** Payments with a transfer reversal still pending since before `before`, longest waiting first (for the sweep). */
export async function paymentsWithPendingReversals(db: Db, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("payout_reversals")
    .select("payment_id")
    .where("state", "=", "pending")
    .where("updated_at", "<=", before)
    .groupBy("payment_id")
    .orderBy(sql`min(updated_at)`)
    .limit(limit)
    .execute();
  return rows.map((r) => r.payment_id);
}

/** A try Stripe refused or did not answer: counted, and the row goes to the back of the queue. */
export async function countReversalFailure(db: Db, transferId: string, at: Date): Promise<number> {
  const row = await db
    .updateTable("payout_reversals")
    .set((eb) => ({ failures: eb("failures", "+", 1), updated_at: at }))
    .where("transfer_id", "=", transferId)
    .returning("failures")
    .executeTakeFirst();
  return row?.failures ?? 0;
}

export async function markReversed(db: Db, transferId: string, reversalId: string | null, at: Date): Promise<void> {
  await db
    .updateTable("payout_reversals")
    .set({ state: "done", reversal_id: reversalId, updated_at: at })
    .where("transfer_id", "=", transferId)
    .where("state", "=", "pending")
    .execute();
}

export async function awaitingFor(db: Db, recipientId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("payments")
    .select("id")
    .where("recipient_id", "=", recipientId)
    .where("status", "=", "awaiting_recipient")
    .orderBy("seq")
    .execute();
  return rows.map((r) => r.id);
}

/** Money waiting in this person's wallet for them to claim: it may still go back, so it cannot be spent. */
/**
 * The total of the payments waiting for the person to claim them, and with `available` (a
 * scalar subquery: their wallet's spendable balance) that balance, in one read.
 */
export async function awaitingReceived(
  db: Db | Trx,
  recipientId: string,
  currency: string,
  available?: Expression<bigint | null>,
): Promise<{ awaiting: bigint; available: bigint | null }> {
  const row = await db
    .selectFrom("payments")
    .select([
      sql<string>`coalesce(sum(amount_minor), 0)::text`.as("total"),
      ...(available ? [sql<bigint | null>`(${available})`.as("available")] : []),
    ])
    .where("recipient_id", "=", recipientId)
    .where("currency", "=", currency)
    .where("status", "=", "awaiting_recipient")
    .executeTakeFirstOrThrow();
  const availableNow = (row as { available?: bigint | null }).available;
  return { awaiting: BigInt(row.total), available: availableNow ?? null };
}
