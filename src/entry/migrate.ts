import { createDb } from "../platform/db";
import { migrateToLatest } from "../platform/migrate";
import { runMain } from "../platform/startup-error";
import { openNodeRuntime } from "./node-runtime";

/**
 * `npm run migrate`: brings the database up to date and exits, for deployments whose servers do
 * not migrate at start-up (Workers). With DATABASE_URL it needs nothing else; without it, the
 * demo's embedded Postgres.
 */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const runtime = await openNodeRuntime({ LOG_LEVEL: "warn", ...process.env });
    await runtime.close();
    console.log("embedded Postgres: migrations up to date");
    return;
  }
  const db = createDb(url, 1);
  try {
    const result = await migrateToLatest(db);
    const applied = result.results?.map((r) => r.migrationName) ?? [];
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "migrations already up to date");
  } finally {
    await db.destroy();
  }
}

runMain(main);
