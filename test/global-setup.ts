import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDb } from "../src/platform/db";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/platform/embedded-postgres";
import { migrateToLatest } from "../src/platform/migrate";
import { freePort } from "./free-port";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

/**
 * One Postgres per run (embedded, or TEST_DATABASE_URL), and one migrated template database
 * that every test file clones, so files run in parallel without sharing rows.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-test-"));
    // Postgres runs as an unprivileged user when tests run as root; it must reach its directory.
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({
      dir: path.join(dir, "postgres"),
      port: await freePort(),
      password: "test-only-password",
      // Durability is irrelevant for a throwaway test cluster; speed is not.
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "300" },
    });
    adminUrl = embedded.url;
  }

  const template = `chat_pay_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  const db = createDb(withDatabase(adminUrl, template), 1);
  await migrateToLatest(db);
  await db.destroy();

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", template);

  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.end();
    await embedded?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
