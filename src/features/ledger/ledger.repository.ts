import { type Expression, sql } from "kysely";
import type { LedgerAccount, LedgerTransfer, PendingState } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import type { Balance } from "./ledger.types";

/** A transfer as written: the stored row without its sequence number, metadata as JSON text. */
export type TransferRow = Omit<LedgerTransfer, "seq" | "metadata"> & { metadata: string };

/** Locks accounts in id order: every writer takes account locks in this one global order, so none deadlock. */
export function lockAccounts(trx: Trx, ids: readonly string[]): Promise<LedgerAccount[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return trx.selectFrom("ledger_accounts").selectAll().where("id", "in", ids).orderBy("id").forUpdate().execute();
}

export function findTransfers(db: Db | Trx, ids: readonly string[]): Promise<LedgerTransfer[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("ledger_transfers").selectAll().where("id", "in", ids).execute();
}

/**
 * Re-reads pending transfers once their accounts are locked (every resolution holds those
 * locks, so the state read now cannot change under us). A sweeper also locks them, with
 * SKIP LOCKED, so concurrent sweepers divide the work instead of queueing.
 */
export function rereadPendingTransfers(
  trx: Trx,
  ids: readonly string[],
  options: { skipLocked: boolean },
): Promise<LedgerTransfer[]> {
  if (ids.length === 0) return Promise.resolve([]);
  const query = trx.selectFrom("ledger_transfers").selectAll().where("id", "in", ids).where("kind", "=", "pending");
  return (
    options.skipLocked ? query.where("state", "=", "pending").orderBy("id").forUpdate().skipLocked() : query
  ).execute();
}

export type Postings = {
  transfers: readonly TransferRow[];
  /** Each account's counters right after each transfer, by transfer id. */
  balances: readonly (Balance & { transfer_id: string; account_id: string })[];
  /** Each touched account's final counters. */
  accounts: readonly (Balance & { id: string })[];
  /** Pending transfers (already stored) that this posting resolves. */
  resolutions: readonly { id: string; state: Exclude<PendingState, "pending">; resolved_at: Date }[];
};

/**
 * Writes a whole posting in one statement (one round trip): the transfers, the balance
 * history, the accounts' counters and the pending transfers' state changes. Returns how many
 * of the resolutions found their transfer still pending, so a caller can detect a race.
 */
export async function writePostings(trx: Trx, postings: Postings): Promise<number> {
  const ctes = [];
  if (postings.transfers.length > 0) {
    const rows = postings.transfers.map(
      (t) =>
        sql`(${t.id}, ${t.kind}, ${t.debit_account_id}, ${t.credit_account_id}, ${t.amount}::bigint, ${t.currency},
             ${t.pending_id}, ${t.state}, ${t.expires_at}::timestamptz, ${t.reference}, ${t.metadata}::jsonb,
             ${t.created_at}::timestamptz, ${t.resolved_at}::timestamptz)`,
    );
    ctes.push(sql`inserted as (
      insert into ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, state,
                                    expires_at, reference, metadata, created_at, resolved_at)
      values ${sql.join(rows)} returning id, seq)`);
    const balances = postings.balances.map(
      (b) =>
        sql`(${b.transfer_id}, ${b.account_id}, ${b.debits_pending}::bigint, ${b.debits_posted}::bigint,
             ${b.credits_pending}::bigint, ${b.credits_posted}::bigint)`,
    );
    ctes.push(sql`history as (
      insert into ledger_balances (account_id, transfer_seq, debits_pending, debits_posted, credits_pending, credits_posted)
      select v.account_id, inserted.seq, v.dp, v.dpo, v.cp, v.cpo
      from (values ${sql.join(balances)}) as v(transfer_id, account_id, dp, dpo, cp, cpo)
      join inserted on inserted.id = v.transfer_id)`);
  }
  if (postings.accounts.length > 0) {
    const accounts = postings.accounts.map(
      (a) =>
        sql`(${a.id}, ${a.debits_pending}::bigint, ${a.debits_posted}::bigint, ${a.credits_pending}::bigint, ${a.credits_posted}::bigint)`,
    );
    ctes.push(sql`balances as (
      update ledger_accounts as a
      set debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo
      from (values ${sql.join(accounts)}) as v(id, dp, dpo, cp, cpo)
      where a.id = v.id)`);
  }
  if (postings.resolutions.length > 0) {
    const resolutions = postings.resolutions.map((r) => sql`(${r.id}, ${r.state}, ${r.resolved_at}::timestamptz)`);
    ctes.push(sql`resolved as (
      update ledger_transfers as t set state = v.state, resolved_at = v.resolved_at
      from (values ${sql.join(resolutions)}) as v(id, state, resolved_at)
      where t.id = v.id and t.state = 'pending'
      returning t.id)`);
  }
  if (ctes.length === 0) return 0;
  const count = postings.resolutions.length > 0 ? sql`(select count(*) from resolved)` : sql`0`;
  const { rows } = await sql<{ resolved: string }>`with ${sql.join(ctes)} select ${count}::text as resolved`.execute(
    trx,
  );
  return Number(rows[0]?.resolved ?? 0);
}

export function insertAccountIfMissing(
  db: Db | Trx,
  account: {
    id: string;
    owner_id: string;
    purpose: string;
    currency: string;
    debits_must_not_exceed_credits: boolean;
    created_at: Date;
  },
): Promise<unknown> {
  return db
    .insertInto("ledger_accounts")
    .values(account)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function findAccountByOwner(
  db: Db | Trx,
  key: { ownerId: string; purpose: string; currency: string },
): Promise<LedgerAccount | undefined> {
  return (await findAccountsByOwner(db, [key]))[0];
}

/** What the owner's account may spend (posted credits less posted and pending debits), null without one, as a scalar subquery. */
export function availableOfOwner(
  db: Db | Trx,
  key: { ownerId: string; purpose: string; currency: string },
): Expression<bigint | null> {
  return db
    .selectFrom("ledger_accounts")
    .select(sql<bigint>`credits_posted - debits_posted - debits_pending`.as("available"))
    .where("owner_id", "=", key.ownerId)
    .where("purpose", "=", key.purpose)
    .where("currency", "=", key.currency)
    .$asScalar();
}

/** The accounts of any of these (owner, purpose, currency) keys, in one read. */
export function findAccountsByOwner(
  db: Db | Trx,
  keys: readonly { ownerId: string; purpose: string; currency: string }[],
): Promise<LedgerAccount[]> {
  return db
    .selectFrom("ledger_accounts")
    .selectAll()
    .where((eb) =>
      eb.or(
        keys.map((key) =>
          eb.and([
            eb("owner_id", "=", key.ownerId),
            eb("purpose", "=", key.purpose),
            eb("currency", "=", key.currency),
          ]),
        ),
      ),
    )
    .execute();
}

export function findAccount(db: Db | Trx, id: string): Promise<LedgerAccount | undefined> {
  return db.selectFrom("ledger_accounts").selectAll().where("id", "=", id).executeTakeFirst();
}

/** An account's transfers, newest first, each with the account's counters right after it. */
export function listHistory(db: Db, accountId: string, beforeSeq: bigint | undefined, take: number) {
  let query = db
    .selectFrom("ledger_balances as b")
    .innerJoin("ledger_transfers as t", "t.seq", "b.transfer_seq")
    .select([
      "t.seq",
      "t.id",
      "t.kind",
      "t.debit_account_id",
      "t.credit_account_id",
      "t.amount",
      "t.currency",
      "t.pending_id",
      "t.reference",
      "t.created_at",
      "b.debits_pending",
      "b.debits_posted",
      "b.credits_pending",
      "b.credits_posted",
    ])
    .where("b.account_id", "=", accountId);
  if (beforeSeq !== undefined) query = query.where("b.transfer_seq", "<", beforeSeq);
  return query.orderBy("b.transfer_seq", "desc").limit(take).execute();
}

/** Pending transfers whose hold has run out, oldest first. */
export async function findDuePending(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("ledger_transfers")
    .select("id")
    .where("state", "=", "pending")
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export type Drift = {
  account_id: string;
  currency: string;
  stored: Balance;
  recomputed: Balance;
};

/** Accounts whose stored counters differ from what their transfers add up to. */
export async function findBalanceDrift(db: Db): Promise<Drift[]> {
  const { rows } = await sql<{
    account_id: string;
    currency: string;
    s_dp: string;
    s_dpo: string;
    s_cp: string;
    s_cpo: string;
    r_dp: string;
    r_dpo: string;
    r_cp: string;
    r_cpo: string;
  }>`
    with effects as (
      select debit_account_id as account_id,
             case when kind = 'pending' and state = 'pending' then amount else 0 end as dp,
             case when kind in ('posted', 'post_pending') then amount else 0 end as dpo,
             0::bigint as cp, 0::bigint as cpo
      from ledger_transfers
      union all
      select credit_account_id, 0, 0,
             case when kind = 'pending' and state = 'pending' then amount else 0 end,
             case when kind in ('posted', 'post_pending') then amount else 0 end
      from ledger_transfers
    ), sums as (
      select account_id, sum(dp) as dp, sum(dpo) as dpo, sum(cp) as cp, sum(cpo) as cpo
      from effects group by account_id
    )
    select a.id as account_id, a.currency,
           a.debits_pending::text as s_dp, a.debits_posted::text as s_dpo,
           a.credits_pending::text as s_cp, a.credits_posted::text as s_cpo,
           coalesce(s.dp, 0)::text as r_dp, coalesce(s.dpo, 0)::text as r_dpo,
           coalesce(s.cp, 0)::text as r_cp, coalesce(s.cpo, 0)::text as r_cpo
    from ledger_accounts a left join sums s on s.account_id = a.id
    where (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
       is distinct from (coalesce(s.dp, 0), coalesce(s.dpo, 0), coalesce(s.cp, 0), coalesce(s.cpo, 0))
    order by a.id`.execute(db);
  return rows.map((r) => ({
    account_id: r.account_id,
    currency: r.currency,
    stored: {
      debits_pending: BigInt(r.s_dp),
      debits_posted: BigInt(r.s_dpo),
      credits_pending: BigInt(r.s_cp),
      credits_posted: BigInt(r.s_cpo),
    },
    recomputed: {
      debits_pending: BigInt(r.r_dp),
      debits_posted: BigInt(r.r_dpo),
      credits_pending: BigInt(r.r_cp),
      credits_posted: BigInt(r.r_cpo),
    },
  }));
}

/** Per currency: total credits minus total debits over all accounts (posted and pending); zero when balanced. */
export async function currencyTotals(db: Db): Promise<{ currency: string; posted: bigint; pending: bigint }[]> {
  const { rows } = await sql<{ currency: string; posted: string; pending: string }>`
    select currency,
           (sum(credits_posted) - sum(debits_posted))::text as posted,
           (sum(credits_pending) - sum(debits_pending))::text as pending
    from ledger_accounts group by currency order by currency`.execute(db);
  return rows.map((r) => ({ currency: r.currency, posted: BigInt(r.posted), pending: BigInt(r.pending) }));
}
