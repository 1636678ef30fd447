import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../src/features/ledger";
import { createDb, type Db } from "../src/platform/db";
import { type Owner, unprivilegedOwner } from "../src/platform/embedded-postgres";
import { migrateToLatest } from "../src/platform/migrate";
import { until } from "./chaos-helpers";
import { runCommand } from "./command";
import { freePort } from "./free-port";
import { fundWallets } from "./fund-wallets";
import { PG_BIN_DIR } from "./ha-cluster";
import { createHarness, type Harness } from "./harness";
import { describeMissingTools } from "./missing-tools";
import { confirmWithPin, directThread, type Person, sender, sendOk } from "./payment-helpers";

/**
 * `npm run chaos:backup`: backups and point-in-time recovery with pgBackRest, as the README's
 * production section says to run them. A Postgres (Debian's postgresql-15) archives its WAL
 * through `pgbackrest archive-push`; a full backup is taken while people pay; more payments
 * follow, the moment T is noted, and more payments after it. Then the machine is lost (Postgres
 * stopped, its data directory deleted) and `pgbackrest restore --type=time --target=T` brings it
 * back: every payment committed before T is there with its amount, none after, and the ledger
 * verifies. Skipped (failing in CI) without pgbackrest or postgresql-15.
 */
const PGBACKREST_PATH = process.env.PGBACKREST_PATH ?? "/usr/bin/pgbackrest";
const missing = [PGBACKREST_PATH, path.join(PG_BIN_DIR, "postgres")].filter((p) => !existsSync(p));
const STANZA = "chatpay";
const PASSWORD = "backup-test-only";

let dir: string;
let owner: Owner;
let port: number;
let dataDir: string;
let h: Harness | undefined;

const url = () => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;

/** Runs a program as Postgres's owner; fails the test with its output when it fails. */
async function as(file: string, args: string[]): Promise<string> {
  const result = await runCommand(file, args, { owner, env: { LC_ALL: "C.UTF-8" } });
  if (result.code !== 0) throw new Error(`${path.basename(file)} ${args.join(" ")}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}
const pgctl = (...args: string[]) => as(path.join(PG_BIN_DIR, "pg_ctl"), ["-D", dataDir, "-w", "-t", "60", ...args]);
const pgbackrest = (...args: string[]) =>
  as(PGBACKREST_PATH, [`--config=${path.join(dir, "pgbackrest.conf")}`, `--stanza=${STANZA}`, ...args]);

/** Postgres archiving every WAL segment through pgBackRest (what production would run, fsync on). */
async function initPostgres(): Promise<void> {
  const pwfile = path.join(dir, "pwfile");
  await writeFile(pwfile, PASSWORD);
  await own(pwfile);
  await as(path.join(PG_BIN_DIR, "initdb"), [
    "-D",
    dataDir,
    "-U",
    "postgres",
    `--pwfile=${pwfile}`,
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C",
  ]);
  const archive = `${PGBACKREST_PATH} --config=${path.join(dir, "pgbackrest.conf")} --stanza=${STANZA} archive-push %p`;
  await writeFile(
    path.join(dataDir, "postgresql.auto.conf"),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "wal_level = replica",
      "archive_mode = on",
      `archive_command = '${archive}'`,
      "max_wal_senders = 3",
    ].join("\n"),
  );
  await own(path.join(dataDir, "postgresql.auto.conf"));
}

async function own(file: string): Promise<void> {
  if ("uid" in owner) await chown(file, owner.uid, owner.gid);
}

describe.skipIf(missing.length > 0)("backups and point-in-time recovery with pgBackRest", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-backup-"));
    await chmod(dir, 0o755);
    owner = await unprivilegedOwner();
    await own(dir);
    port = await freePort();
    dataDir = path.join(dir, "data");
    await writeFile(
      path.join(dir, "pgbackrest.conf"),
      [
        "[global]",
        `repo1-path=${path.join(dir, "repo")}`,
        "repo1-retention-full=2",
        `log-path=${path.join(dir, "log")}`,
        `lock-path=${path.join(dir, "lock")}`,
        "log-level-console=warn",
        "start-fast=y",
        "",
        `[${STANZA}]`,
        `pg1-path=${dataDir}`,
        `pg1-port=${port}`,
        `pg1-socket-path=${dir}`,
      ].join("\n"),
    );
    for (const sub of ["repo", "log", "lock"]) {
      await mkdir(path.join(dir, sub));
      await own(path.join(dir, sub));
    }
    await own(path.join(dir, "pgbackrest.conf"));
    await initPostgres();
    await pgctl("start", "-l", path.join(dir, "postgres.log"));
    await pgbackrest("stanza-create");
    const migrator = createDb(url(), 1);
    await migrateToLatest(migrator);
    await migrator.destroy();
    h = await createHarness({}, { database: { url: url(), drop: async () => {} } });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await pgctl("stop", "-m", "immediate").catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("restores to a moment: every payment before it, none after, and the ledger verifies", async () => {
    if (!h) throw new Error("set-up did not finish");
    const harness = h;
    const alice = await sender(harness, "alice", null);
    const bob: Person = { ...(await harness.signIn("bob")), handle: "bob" };
    await fundWallets(url(), [alice.id]);
    const thread = await directThread(harness, alice, bob);
    const pay = async (amount: number) => {
      const created = await sendOk(harness, alice, thread, bob, amount);
      expect((await confirmWithPin(harness, alice, created)).status).toBe(200);
      return created.payment.id;
    };

    const beforeBackup = [await pay(101), await pay(102)];
    await pgbackrest("backup", "--type=full");
    // pgBackRest picks a backup whose stop time (whole seconds) is before the target.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const afterBackup = [await pay(201), await pay(202), await pay(203)];
    // The moment to go back to: after everything so far has committed, before what follows.
    const target = await momentAfterCommits(harness.db);
    const afterTarget = [await pay(301), await pay(302)];
    // Every WAL segment up to now is in the repository (check switches and waits for it).
    await pgbackrest("check");
    const paidBefore = [...beforeBackup, ...afterBackup];

    // The machine is lost: Postgres stopped hard and its data directory gone.
    await harness.close();
    h = undefined;
    await pgctl("stop", "-m", "immediate");
    await rm(dataDir, { recursive: true, force: true });

    await pgbackrest("restore", "--type=time", `--target=${target}`, "--target-action=promote");
    await pgctl("start", "-l", path.join(dir, "postgres-restored.log"));
    const db = createDb(url(), 2);
    try {
      await until(
        async () => !(await sql<{ r: boolean }>`select pg_is_in_recovery() as r`.execute(db)).rows[0]?.r,
        "the restored Postgres promoted",
      );
      const payments = await db.selectFrom("payments").select(["id", "amount_minor", "status"]).execute();
      const byId = new Map(payments.map((p) => [p.id, p]));
      for (const id of paidBefore) expect(byId.get(id), `payment ${id} from before the target`).toBeDefined();
      for (const id of afterTarget) expect(byId.get(id), `payment ${id} from after the target`).toBeUndefined();
      expect(payments.map((p) => Number(p.amount_minor)).sort()).toEqual([101, 102, 201, 202, 203]);
      expect(payments.every((p) => p.status === "awaiting_recipient")).toBe(true);
      expect(await verifyLedger(db)).toMatchObject({ ok: true });
      const info = await pgbackrest("info");
      console.log(
        [
          "pgBackRest: a full backup after the first payments, WAL archived continuously, the data directory deleted,",
          `then restored to ${target}: ${paidBefore.length} payments before the target back, ${afterTarget.length} after it not,`,
          "ledger verified",
          info.trim(),
        ].join("\n"),
      );
    } finally {
      await db.destroy();
    }
  }, 180_000);
});

/** A timestamp strictly after every commit so far (Postgres's clock, as recovery targets use). */
async function momentAfterCommits(db: Db): Promise<string> {
  const { rows } = await sql<{ t: string }>`select to_char(clock_timestamp() at time zone 'UTC',
    'YYYY-MM-DD HH24:MI:SS.US') || '+00' as t`.execute(db);
  const target = rows[0]?.t;
  if (!target) throw new Error("no clock");
  // Recovery stops before the first commit after the target; make sure none shares its microsecond.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return target;
}

if (missing.length > 0) {
  describeMissingTools(
    "backups and point-in-time recovery with pgBackRest",
    `missing ${missing.join(", ")} (apt-get install pgbackrest postgresql-15)`,
  );
}
