import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_MAP, personalTables } from "../src/features/privacy/data-map";
import { createHarness, type Harness } from "./harness";

/**
 * Purpose limitation, checked against the migrated database: every table has an entry in the
 * data map (who it is about, what the export gives, its retention, what closing does), every
 * entry names a real table and real columns, every column pointing at a person is handled when
 * an account closes, and no secret is ever exported.
 */

let h: Harness;
let columns: Map<string, Set<string>>;

/** Columns that hold secrets (a bank link's sealed tokens and OAuth state too) or Stripe's handles on a card; the export never gives them. */
const NEVER_EXPORTED = [
  "pin_hash",
  "pepper_version",
  "public_key",
  "challenge_hash",
  "binding_hash",
  "context",
  "payment_method_id",
  "fingerprint",
  "response_body",
  "credential_id",
  "ciphertext",
  "iv",
  "oauth_state_hash",
];

beforeAll(async () => {
  h = await createHarness();
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`.execute(h.db);
  columns = new Map();
  for (const row of rows) {
    const set = columns.get(row.table_name) ?? new Set();
    set.add(row.column_name);
    columns.set(row.table_name, set);
  }
});
afterAll(() => h.close());

describe("the data map", () => {
  it("has an entry for every table in the database, and no entry for a table that is not there", () => {
    const tables = [...columns.keys()].sort();
    expect(tables.length).toBeGreaterThan(20);
    expect(
      tables.filter((t) => !(t in DATA_MAP)),
      "tables with no entry in src/features/privacy/data-map.ts",
    ).toEqual([]);
    expect(Object.keys(DATA_MAP).filter((t) => !columns.has(t))).toEqual([]);
  });

  it("names only real columns, exports every personal table and never a secret", () => {
    for (const [table, entry] of personalTables()) {
      const real = columns.get(table) ?? new Set();
      const named = [
        ...entry.key,
        ...entry.exported,
        ...(entry.alsoAbout?.exported ?? []),
        ...(typeof entry.closing === "object" && "pseudonymise" in entry.closing ? entry.closing.pseudonymise : []),
      ];
      expect(
        named.filter((c) => !real.has(c)),
        `${table}: columns the map names that the table lacks`,
      ).toEqual([]);
      expect(entry.exported.length, `${table} is personal but exports nothing`).toBeGreaterThan(0);
      expect(entry.retention.length, `${table} has no retention rule`).toBeGreaterThan(10);
      expect(
        [...entry.exported, ...(entry.alsoAbout?.exported ?? [])].filter((c) => NEVER_EXPORTED.includes(c)),
      ).toEqual([]);
    }
  });

  it("selects rows about a person with a condition the database accepts, for every personal table", async () => {
    for (const [table, entry] of personalTables()) {
      const run = sql`select count(*) from ${sql.table(table)} as t where ${entry.rowsAbout("usr_nobody")}`.execute(
        h.db,
      );
      await expect(run, table).resolves.toBeDefined();
      if (!entry.alsoAbout) continue;
      const also = sql`select count(*) from ${sql.table(table)} as t where ${entry.alsoAbout.rowsAbout("usr_nobody")}`;
      await expect(also.execute(h.db), `${table} (also about)`).resolves.toBeDefined();
    }
  });

  it("handles, on closing, every column that points at a person (deleted with its rows, or pseudonymised)", async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select kcu.table_name, kcu.column_name
      from information_schema.referential_constraints rc
      join information_schema.key_column_usage kcu on kcu.constraint_name = rc.constraint_name
        and kcu.constraint_schema = rc.constraint_schema
      join information_schema.constraint_column_usage ccu on ccu.constraint_name = rc.unique_constraint_name
        and ccu.constraint_schema = rc.unique_constraint_schema
      where ccu.table_name = 'users' and ccu.column_name = 'id' and kcu.table_schema = 'public'`.execute(h.db);
    expect(rows.length).toBeGreaterThan(10);
    const unhandled = rows.filter(({ table_name, column_name }) => {
      // Written by the closing itself: it only ever names the former-user id that replaced a person's.
      if (`${table_name}.${column_name}` === "closed_accounts.former_id") return false;
      const entry = DATA_MAP[table_name];
      if (entry?.about !== "person") return true;
      if (entry.closing === "delete") return false;
      return !("pseudonymise" in entry.closing && entry.closing.pseudonymise.includes(column_name));
    });
    expect(unhandled.map((r) => `${r.table_name}.${r.column_name}`)).toEqual([]);
  });
});
