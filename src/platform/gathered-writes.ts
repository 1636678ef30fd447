import { type Insertable, type RawBuilder, sql } from "kysely";
import type { Database } from "../../db/schema";
import { beforeCommit, type Trx } from "./db";

type Table = keyof Database & string;

/** Each appended row's `column` is sent as a notification on `channel` when the transaction commits. */
type Notify = { channel: string; column: string };

type Gathered = Map<Table, { rows: object[]; notify: Notify | undefined }>;

const gatheredIn = new WeakMap<Trx, Gathered>();

/**
 * For a verb that appends several rows in one transaction (a payment's step: its audit row,
 * risk decision, security event and live events): from now on appendRows gathers them, and
 * they are written at its end, every table in one statement. Only for a transaction that reads
 * none of them back (account closing reads and deletes events, so it writes as it goes).
 */
export function gatherWrites(trx: Trx): void {
  if (gatheredIn.has(trx)) return;
  const gathered: Gathered = new Map();
  if (beforeCommit(trx, () => writeRows(trx, gathered))) gatheredIn.set(trx, gathered);
}

/**
 * Appends rows to a table in the caller's transaction: at once, or at its end when the
 * transaction gathers its writes (gatherWrites). A rollback drops them either way, and with
 * their notifications, which Postgres sends at commit, each distinct one once.
 */
export async function appendRows<T extends Table>(
  trx: Trx,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  notify?: Notify,
): Promise<void> {
  if (rows.length === 0) return;
  const gathered = gatheredIn.get(trx);
  if (!gathered) return writeRows(trx, new Map([[table, { rows: [...rows], notify }]]));
  const entry = gathered.get(table) ?? { rows: [], notify };
  entry.rows.push(...rows);
  gathered.set(table, entry);
}

/** One statement: an insert per table, each a data-modifying CTE, then the notifications. */
async function writeRows(trx: Trx, tables: Gathered): Promise<void> {
  if (tables.size === 0) return;
  const inserts: RawBuilder<unknown>[] = [];
  const notifications: RawBuilder<unknown>[] = [];
  for (const [i, [table, { rows, notify }]] of [...tables].entries()) {
    const name = sql.ref(`appended_${i}`);
    const insert = trx.insertInto(table).values(rows as never);
    inserts.push(sql`${name} as (${notify ? insert.returning(sql.ref(notify.column).as("notified")) : insert})`);
    if (notify) notifications.push(sql`select pg_notify(${notify.channel}, notified) from ${name}`);
  }
  const last = notifications.length > 0 ? sql.join(notifications, sql` union all `) : sql`select 1`;
  await sql`with ${sql.join(inserts)} ${last}`.execute(trx);
}
