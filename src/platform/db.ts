import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "../../db/schema";

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

const INT8_OID = 20;
const parseInt8 = (value: string) => BigInt(value);

/** A Kysely pool on node-postgres; int8 becomes bigint (money is never a float). */
export function createDb(url: string, poolMax: number): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A pooled connection that dies while idle (server restart, terminated backend) is dropped
  // by the pool; without a listener its error would crash the process.
  pool.on("error", () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Runs fn in a transaction, or inside the caller's when one is given. */
export function withTransaction<T>(db: Db | Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Trx) : db.transaction().execute(fn);
}
