import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrations } from "../db/migrations/index";
import { withDatabase } from "./global-setup";

const run = promisify(execFile);
const TSX = path.resolve("node_modules/.bin/tsx");
const ENTRY = path.resolve("src/entry/migrate.ts");
const name = `chat_pay_migrate_${process.pid}`;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterAll(() => admin((client) => client.query(`drop database if exists ${name} with (force)`)));

describe("npm run migrate", () => {
  it("brings an empty database up to date with only DATABASE_URL, and again is a no-op", async () => {
    await admin((client) => client.query(`create database ${name}`));
    // Production mode with no secrets at all: migrating needs none.
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      DATABASE_URL: withDatabase(inject("adminDatabaseUrl"), name),
    };
    const first = await run(TSX, [ENTRY], { env });
    expect(first.stdout).toContain(`applied: ${Object.keys(migrations).join(", ")}\n`);
    const again = await run(TSX, [ENTRY], { env });
    expect(again.stdout).toContain("migrations already up to date");

    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_name in ('payments', 'ledger_transfers', 'payment_pins')",
    );
    await db.end();
    expect(rows[0]?.n).toBe(3);
  });
});
