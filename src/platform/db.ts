import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "../../db/schema";
import { isStalePlan } from "./transient";

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

const INT8_OID = 20;
const parseInt8 = (value: string) => BigInt(value);

/** How long a query waits for a pooled connection before failing (overload answers errors, it does not hang). */
export const POOL_ACQUIRE_TIMEOUT_MS = 10_000;

/** What the Worker's connections call themselves in pg_stat_activity (the Node server's: "chat-pay"). */
export const WORKER_APPLICATION_NAME = "chat-pay-worker";

/**
 * A Kysely pool on node-postgres; int8 becomes bigint (money is never a float). With
 * preparedStatements, each connection keeps its statements parsed and planned on the server
 * (see namingStatements); off for connections that live one request (a Worker's) and behind
 * a pooler that cannot follow them (PgBouncer before 1.21 in transaction mode).
 */
export function createDb(
  url: string,
  poolMax: number,
  {
    acquireTimeoutMs = POOL_ACQUIRE_TIMEOUT_MS,
    applicationName = "chat-pay",
    preparedStatements = false,
  }: { acquireTimeoutMs?: number; applicationName?: string; preparedStatements?: boolean } = {},
): Db {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: applicationName,
    max: poolMax,
    connectionTimeoutMillis: acquireTimeoutMs,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection that dies (server restart, terminated backend) emits an error event, idle in
  // the pool or checked out between two queries; unheard, it would crash the process. The
  // pool drops the client, and whoever uses it next gets the failure as a rejected query.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: preparedStatements ? namingStatements(pool) : pool }),
  });
}

/** How many distinct statements get a name (and so a plan kept by every connection that runs them). */
export const NAMED_STATEMENTS_MAX = 256;

/**
 * The pool, handing Kysely connections that run each statement with parameters as a named
 * (server-side prepared) one: parsed and planned once per connection instead of on every run,
 * which is most of a small statement's cost in Postgres. Names are given to the first
 * NAMED_STATEMENTS_MAX distinct texts, the rest run unnamed, so the plans kept stay bounded.
 * A statement whose plan went stale fails once (Postgres refuses it) and its connection is
 * then closed rather than reused; the failure reads as the database being briefly unavailable.
 */
function namingStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < NAMED_STATEMENTS_MAX) {
      name = `k${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let stale = false;
      // Kysely hands each query a fresh copy of its parameters, so they are passed on as they are.
      const query = async (text: string, values: unknown[]) => {
        try {
          return await client.query({ text, values, name: values.length > 0 ? nameOf(text) : undefined });
        } catch (err) {
          if (isStalePlan(err)) stale = true;
          throw err;
        }
      };
      return { query, release: () => client.release(stale) } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** Work each open transaction does last, before it commits (see beforeCommit). */
const lastWork = new WeakMap<Trx, (() => Promise<void>)[]>();

/** Runs fn in a transaction, or inside the caller's when one is given. */
export function withTransaction<T>(db: Db | Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Trx);
  return db.transaction().execute(async (trx) => {
    const work: (() => Promise<void>)[] = [];
    lastWork.set(trx, work);
    const result = await fn(trx);
    for (const step of work) await step();
    return result;
  });
}

/**
 * Defers work to the end of a transaction opened by withTransaction, just before it commits
 * (rows gathered during it, written in one statement); a rollback drops it. False for any
 * other transaction: the caller does the work at once instead.
 */
export function beforeCommit(trx: Trx, work: () => Promise<void>): boolean {
  const queue = lastWork.get(trx);
  queue?.push(work);
  return queue !== undefined;
}

/**
 * Serialises one person's work of one kind until the transaction ends, so per-person counts
 * and limits are read after everyone else's writes (`send`: creating and confirming payments).
 */
export async function lockPerson(trx: Trx, kind: "send" | "challenges" | "cards", userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`${kind}:${userId}`}))`.execute(trx);
}
