import { type Insertable, type RawBuilder, sql } from "kysely";
import type {
  Payment,
  RiskDecision,
  RiskOperatorActionsTable,
  RiskOutcome,
  RiskReport,
  RiskReportsTable,
  RiskTier,
} from "../../../db/schema";
import type { PaymentFacts } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import { appendRows } from "../../platform/gathered-writes";
import type { Rule } from "./rules";

/** Statuses of a payment that reached (or is on its way to) its recipient. */
const DELIVERED = ["awaiting_recipient", "paying_out", "paid_out"] as const;
/** Statuses whose amount counts as sent: everything not abandoned or returned. */
const SENT = ["requires_confirmation", "processing", "requires_action", "held", ...DELIVERED] as const;
/** How far back "amount against history" looks. */
const HISTORY_PAYMENTS_MAX = 100;
const DAY_MS = 86_400_000;

/** The newest rule set: its version and rules (an empty set allows everything). */
export async function currentRuleSet(db: Db | Trx): Promise<{ version: number; rules: Rule[] }> {
  const rows = await db
    .selectFrom("risk_rule_sets as s")
    .leftJoin("risk_rules as r", "r.version", "s.version")
    .select(["s.version as set_version", "r.code", "r.kind", "r.outcome", "r.message", "r.params", "r.tier"])
    .where("s.version", "=", (eb) => eb.selectFrom("risk_rule_sets").select((e) => e.fn.max("version").as("v")))
    .orderBy("r.code")
    .execute();
  const version = rows[0]?.set_version ?? 0;
  const rules = rows
    .filter((r) => r.code !== null)
    .map((r) => ({
      code: r.code as string,
      kind: r.kind as string,
      outcome: r.outcome as RiskOutcome,
      message: r.message as string,
      params: r.params as Record<string, unknown>,
      tier: r.tier,
    }));
  return { version, rules };
}

/** The newest rule set's version (0 before any). */
export async function newestRuleSetVersion(db: Db | Trx): Promise<number> {
  const row = await db
    .selectFrom("risk_rule_sets")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

export type SignalRow = {
  /** The newest rule set's version, to tell whether the rules the caller holds are still the newest. */
  rules_version: number;
  sender_created: Date;
  recipient_created: Date;
  sender_tier: RiskTier | null;
  sender_limited: boolean | null;
  recipient_limited: boolean | null;
  paid_before: boolean;
  history_count: string;
  history_max: string | null;
  recipient_reports: string;
  newest_device: Date | null;
  pin_reset: Date | null;
  author_created: Date | null;
  people_asked: string | null;
  [window: `v_count_${number}` | `v_sum_${number}`]: string;
};

/** Everything the rules read about one payment, in one query. */
export async function readSignalRow(
  db: Db | Trx,
  payment: PaymentFacts,
  windows: readonly number[],
  now: Date,
): Promise<SignalRow> {
  const widest = new Date(now.getTime() - Math.max(0, ...windows) * 60_000);
  const velocity: RawBuilder<unknown>[] = windows.flatMap((minutes) => {
    const from = new Date(now.getTime() - minutes * 60_000);
    return [
      sql`count(*) filter (where created_at > ${from})::text as ${sql.ref(`v_count_${minutes}`)}`,
      sql`coalesce(sum(amount_minor) filter (where created_at > ${from}), 0)::text as ${sql.ref(`v_sum_${minutes}`)}`,
    ];
  });
  const velocityFrom =
    windows.length > 0
      ? sql`, lateral (select ${sql.join(velocity)} from payments
              where sender_id = ${payment.senderId} and status in (${sql.join(SENT)})
                and created_at > ${widest} and id <> ${payment.id}
                ${payment.seq === null ? sql`` : sql`and seq < ${payment.seq}`}) v`
      : sql``;
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const result = await sql<SignalRow>`
    select
      (select max(version) from risk_rule_sets) as rules_version,
      s.created_at as sender_created,
      r.created_at as recipient_created,
      sp.tier as sender_tier,
      sp.limited as sender_limited,
      rp.limited as recipient_limited,
      exists (select 1 from payments p where p.sender_id = ${payment.senderId} and p.recipient_id = ${payment.recipientId}
              and p.status in (${sql.join(DELIVERED)}) and p.id <> ${payment.id}) as paid_before,
      h.history_count, h.history_max,
      (select count(distinct reporter_id) from risk_reports rr where rr.subject_id = r.id and rr.status <> 'dismissed'
         and (rr.status = 'upheld' or (rr.payment_id is not null and rr.reason in ('scam', 'unauthorized'))))::text
        as recipient_reports,
      (select max(created_at) from webauthn_credentials w where w.user_id = s.id) as newest_device,
      (select reset_at from payment_pins pp where pp.user_id = s.id) as pin_reset,
      a.created_at as author_created,
      (select count(distinct sh.payer_id) from payment_requests pr
         join payment_request_shares sh on sh.request_id = pr.id
         where pr.author_id = a.id and pr.created_at > ${dayAgo})::text as people_asked
      ${windows.length > 0 ? sql`, v.*` : sql``}
    from users s
    join users r on r.id = ${payment.recipientId}
    left join risk_profiles sp on sp.user_id = s.id
    left join risk_profiles rp on rp.user_id = r.id
    left join payment_requests q on q.id = ${payment.requestId}
    left join users a on a.id = q.author_id
    cross join lateral (select count(*)::text as history_count, max(amount_minor)::text as history_max
      from (select amount_minor from payments where sender_id = ${payment.senderId} and status in (${sql.join(DELIVERED)})
              and id <> ${payment.id} order by created_at desc limit ${HISTORY_PAYMENTS_MAX}) recent) h
    ${velocityFrom}
    where s.id = ${payment.senderId}`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error(`Risk signals: no sender ${payment.senderId} or recipient ${payment.recipientId}`);
  return row;
}

export async function insertDecision(
  trx: Trx,
  row: {
    payment_id: string;
    stage: "create" | "confirm";
    outcome: RiskOutcome;
    reasons: unknown;
    rules_version: number;
    created_at: Date;
  },
): Promise<void> {
  await appendRows(trx, "risk_decisions", [{ ...row, reasons: JSON.stringify(row.reasons) }]);
  const known = recordedIn.get(trx) ?? new Map<string, Decision>();
  known.set(row.payment_id, { outcome: row.outcome, reasons: row.reasons as RiskDecision["reasons"] });
  recordedIn.set(trx, known);
}

type Decision = Pick<RiskDecision, "outcome" | "reasons">;

/**
 * The decisions each open transaction recorded, by payment: the latest one on a payment that
 * transaction decided (it holds the payment, new or locked) is known without reading it back.
 */
const recordedIn = new WeakMap<Db | Trx, Map<string, Decision>>();

/** The latest decision on a payment, if any. */
export async function latestDecision(db: Db | Trx, paymentId: string): Promise<Decision | undefined> {
  return (
    recordedIn.get(db)?.get(paymentId) ??
    db
      .selectFrom("risk_decisions")
      .select(["outcome", "reasons"])
      .where("payment_id", "=", paymentId)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst()
  );
}

export function listDecisions(db: Db, paymentIds: readonly string[]) {
  if (paymentIds.length === 0) return Promise.resolve([]);
  return db.selectFrom("risk_decisions").selectAll().where("payment_id", "in", paymentIds).orderBy("id").execute();
}

export async function profileOf(db: Db | Trx, userId: string) {
  return db.selectFrom("risk_profiles").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

/** Sets what is given of a person's profile, creating it (unverified, not limited) if needed. */
export async function upsertProfile(
  trx: Trx,
  userId: string,
  patch: { tier?: RiskTier; limited?: boolean; limited_reason?: string | null },
  at: Date,
): Promise<void> {
  await trx
    .insertInto("risk_profiles")
    .values({
      user_id: userId,
      tier: patch.tier ?? "unverified",
      limited: patch.limited ?? false,
      limited_reason: patch.limited_reason ?? null,
      updated_at: at,
    })
    .onConflict((oc) => oc.column("user_id").doUpdateSet({ ...patch, updated_at: at }))
    .execute();
}

/** Inserts a report unless the same one exists; returns it either way (and whether it is new). */
export async function insertReport(
  trx: Trx,
  row: Insertable<RiskReportsTable>,
): Promise<{ report: RiskReport; created: boolean }> {
  const inserted = await trx
    .insertInto("risk_reports")
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { report: inserted, created: true };
  const existing = await trx
    .selectFrom("risk_reports")
    .selectAll()
    .where("reporter_id", "=", row.reporter_id)
    .where("subject_id", "=", row.subject_id)
    .where(sql`coalesce(payment_id, '')`, "=", row.payment_id ?? "")
    .where("reason", "=", row.reason)
    .executeTakeFirstOrThrow();
  return { report: existing, created: false };
}

export async function setReturnRequest(trx: Trx, reportId: string, requestId: string): Promise<RiskReport> {
  return trx
    .updateTable("risk_reports")
    .set({ return_request_id: requestId })
    .where("id", "=", reportId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Distinct people whose credible reports about this person stand (see readSignalRow: the same definition). */
export async function credibleReporters(db: Db | Trx, subjectId: string): Promise<number> {
  const row = await db
    .selectFrom("risk_reports")
    .select(sql<string>`count(distinct reporter_id)::text`.as("n"))
    .where("subject_id", "=", subjectId)
    .where("status", "<>", "dismissed")
    .where((eb) =>
      eb.or([
        eb("status", "=", "upheld"),
        eb.and([eb("payment_id", "is not", null), eb("reason", "in", ["scam", "unauthorized"])]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function lockReport(trx: Trx, id: string) {
  return trx.selectFrom("risk_reports").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export function updateReport(trx: Trx, id: string, patch: { status: "upheld" | "dismissed"; resolved_at: Date }) {
  return trx.updateTable("risk_reports").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export function listReports(
  db: Db,
  input: { status: "open" | "upheld" | "dismissed"; beforeSeq?: bigint; take: number },
) {
  return db
    .selectFrom("risk_reports")
    .selectAll()
    .where("status", "=", input.status)
    .$if(input.beforeSeq !== undefined, (q) => q.where("seq", "<", input.beforeSeq as bigint))
    .orderBy("seq", "desc")
    .limit(input.take)
    .execute();
}

/** Held payments, longest held first. */
export function listHeldPayments(db: Db, input: { beforeSeq?: bigint; take: number }): Promise<Payment[]> {
  return db
    .selectFrom("payments")
    .selectAll()
    .where("status", "=", "held")
    .$if(input.beforeSeq !== undefined, (q) => q.where("seq", "<", input.beforeSeq as bigint))
    .orderBy("seq", "desc")
    .limit(input.take)
    .execute();
}

export async function insertOperatorAction(trx: Trx, row: Insertable<RiskOperatorActionsTable>): Promise<void> {
  await trx.insertInto("risk_operator_actions").values(row).execute();
}

/** The two people of a payment, if it exists. */
export async function findParties(db: Db, paymentId: string): Promise<[string, string] | undefined> {
  const row = await db
    .selectFrom("payments")
    .select(["sender_id", "recipient_id"])
    .where("id", "=", paymentId)
    .executeTakeFirst();
  return row ? [row.sender_id, row.recipient_id] : undefined;
}
