import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDb, type Db } from "../src/platform/db";
import { isDatabaseUnavailable } from "../src/platform/transient";
import { createTestDatabase } from "./harness";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  // One connection, so every statement below runs on the same one.
  db = createDb(database.url, 1, { preparedStatements: true });
  await sql`create table prepared_probe (id int primary key, a text)`.execute(db);
  await sql`insert into prepared_probe values (1, 'x')`.execute(db);
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

const read = () => sql<Record<string, unknown>>`select * from prepared_probe where id = ${1}`.execute(db);
const prepared = async () =>
  (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map(
    (r) => r.statement,
  );

it("keeps a statement with parameters prepared on its connection, once however often it runs", async () => {
  await read();
  await read();
  expect((await prepared()).filter((s) => s === "select * from prepared_probe where id = $1")).toHaveLength(1);
});

it("answers a plan a migration made stale as the database briefly unavailable, then runs it afresh", async () => {
  await read();
  await sql`alter table prepared_probe add column b text`.execute(db);
  const stale = await read().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isDatabaseUnavailable(stale), String(stale)).toBe(true);
  // That connection was closed instead of going back to the pool: the next one prepares anew.
  expect((await read()).rows).toEqual([{ id: 1, a: "x", b: null }]);
});
