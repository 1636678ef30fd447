import pg from "pg";

/** What elected work can ask while it runs: whether its lock still holds (the connection keeping it may die). */
export type Lease = { held(): boolean };

export type Elected<T> = { elected: true; value: T } | { elected: false };

/**
 * Runs `work` only when no other run of the same name holds the election, in this process or
 * any other on the same database; a run that finds it held does nothing and says so.
 */
export type Election = <T>(name: string, work: (lease: Lease) => Promise<T>) => Promise<Elected<T>>;

/** How an election's connection shows up in pg_stat_activity. */
export const ELECTION_APPLICATION_NAME = "chat-pay-election";
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * The high half of every election's advisory lock key. Per-person locks are `hashtext(...)`, an
 * int4 whose high half is all zeros or all ones, so no election key can equal one of them; and
 * the two-key locks (idempotency keys) live in a key space of their own.
 */
const KEY_NAMESPACE = 0x63686174;

/**
 * An election is a transaction-scoped advisory lock (`pg_try_advisory_xact_lock`) held by a
 * connection of its own for as long as the work runs. It cannot leak: it ends with the
 * transaction, and Postgres ends the transaction when the connection closes, including when the
 * process holding it dies. Transaction-scoped rather than session-scoped so that it also holds
 * behind a pooler in transaction mode (Hyperdrive), which hands a session's later statements to
 * other connections. Its own connection, not a pooled one, because the work itself needs the
 * pool: with `DB_POOL_MAX=1`, holding the only pooled connection would starve it.
 */
export function createPgElection(url: string): Election {
  return async (name, work) => {
    let lost = false;
    const client = new pg.Client({
      connectionString: url,
      application_name: ELECTION_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    // Either one means the connection, and with it the lock, is gone; unheard, an error would crash the process.
    client.on("error", () => {
      lost = true;
    });
    client.on("end", () => {
      lost = true;
    });
    await client.connect();
    try {
      await client.query("begin");
      const { rows } = await client.query<{ won: boolean }>(
        "select pg_try_advisory_xact_lock(($1::bigint << 32) | (hashtext($2)::bigint & 4294967295)) as won",
        [KEY_NAMESPACE, name],
      );
      if (rows[0]?.won !== true) return { elected: false };
      const value = await work({ held: () => !lost });
      // Releases the lock now; had the connection died meanwhile, the lock went with it already.
      await client.query("rollback").catch(() => {});
      return { elected: true, value };
    } finally {
      await client.end().catch(() => {});
    }
  };
}
