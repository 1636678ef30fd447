import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../src/features/ledger";
import { createDb } from "../src/platform/db";
import {
  type EmbeddedPostgres,
  type Owner,
  startEmbeddedPostgres,
  unprivilegedOwner,
} from "../src/platform/embedded-postgres";
import { migrateToLatest } from "../src/platform/migrate";
import {
  type Api,
  confirmThrough,
  createClient,
  createPayment,
  newPair,
  type Running,
  run,
  startApis,
  stop,
  until,
} from "./chaos-helpers";
import { freePort } from "./free-port";
import { fundWallets } from "./fund-wallets";
import { describeMissingTools } from "./missing-tools";
import { openSse } from "./sse-client";

/**
 * `npm run chaos:pgbouncer`: API processes whose pool goes through PgBouncer in transaction mode
 * (each transaction may get a different server connection, and far fewer server connections than
 * the processes' pools hold), with the live events' LISTEN on a direct connection
 * (DATABASE_LISTEN_URL). People pay each other at once through both processes (the sending locks
 * are transaction-scoped advisory locks, so they hold through PgBouncer), a recipient's live
 * stream on one process hears payments confirmed through the other, every payment is
 * acknowledged once, and the ledger verifies. Skipped (failing in CI) without Debian's pgbouncer.
 */
const PGBOUNCER_PATH = process.env.PGBOUNCER_PATH ?? "/usr/sbin/pgbouncer";
const found = existsSync(PGBOUNCER_PATH);
const PASSWORD = "pgbouncer-test-only";
/** Server connections PgBouncer may open: far fewer than the processes' pools (2 × 10). */
const SERVER_POOL = 3;
const PEOPLE = 6;
const PAYMENTS_EACH = 8;

let dir: string;
let owner: Owner;
let postgres: EmbeddedPostgres | undefined;
let pgbouncer: Running | undefined;
let bouncerPort: number;
const apis: Api[] = [];

async function own(file: string): Promise<void> {
  if ("uid" in owner) await chown(file, owner.uid, owner.gid);
}

/** PgBouncer's admin console (simple query protocol, no parameters), as its admin user. */
async function showPools(): Promise<Record<string, string>[]> {
  const client = new pg.Client({
    connectionString: `postgres://postgres:${PASSWORD}@127.0.0.1:${bouncerPort}/pgbouncer`,
  });
  await client.connect();
  try {
    return (await client.query("SHOW POOLS")).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!found)("API processes through PgBouncer in transaction mode", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-pgbouncer-"));
    await chmod(dir, 0o755);
    owner = await unprivilegedOwner();
    // PgBouncer (which refuses to run as root) writes its pid file here.
    await own(dir);
    postgres = await startEmbeddedPostgres({
      dir: path.join(dir, "postgres"),
      port: await freePort(),
      password: PASSWORD,
      settings: { fsync: "off" },
    });
    const migrator = createDb(postgres.url, 1);
    await migrateToLatest(migrator);
    await migrator.destroy();

    bouncerPort = await freePort();
    const pgPort = new URL(postgres.url).port;
    const ini = path.join(dir, "pgbouncer.ini");
    const users = path.join(dir, "userlist.txt");
    await writeFile(users, `"postgres" "${PASSWORD}"\n`);
    await writeFile(
      ini,
      [
        "[databases]",
        `postgres = host=127.0.0.1 port=${pgPort} dbname=postgres`,
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${bouncerPort}`,
        "unix_socket_dir =",
        "auth_type = scram-sha-256",
        `auth_file = ${users}`,
        "admin_users = postgres",
        "pool_mode = transaction",
        `default_pool_size = ${SERVER_POOL}`,
        "max_client_conn = 200",
        `pidfile = ${path.join(dir, "pgbouncer.pid")}`,
        "ignore_startup_parameters = extra_float_digits",
      ].join("\n"),
    );
    await own(ini);
    await own(users);
    // PgBouncer refuses to run as root.
    const started = run("pgbouncer", PGBOUNCER_PATH, [ini], { owner });
    pgbouncer = started;
    await until(
      () =>
        showPools().then(
          () => true,
          () => false,
        ),
      "PgBouncer accepting connections",
    ).catch((err: Error) => {
      throw new Error(`${err.message}:\n${started.output()}`);
    });
    const bounced = `postgres://postgres:${PASSWORD}@127.0.0.1:${bouncerPort}/postgres`;
    apis.push(
      ...(await startApis(dir, bounced, ["api-1", "api-2"], {
        // PgBouncer 1.18 (Debian's) in transaction mode cannot follow prepared statements.
        env: { DATABASE_LISTEN_URL: postgres.url, DB_POOL_MAX: "10", DB_PREPARED_STATEMENTS: "off" },
      })),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apis.map(stop));
    if (pgbouncer) await stop(pgbouncer);
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("pays, locks and hears live events through transaction pooling", async () => {
    if (!postgres || apis.length < 2) throw new Error("set-up did not finish");
    const [one, two] = apis.map((api) =>
      createClient(`http://127.0.0.1:${api.port}`, { deadlineMs: 30_000, inUseGraceMs: 5_000 }),
    );
    if (!one || !two) throw new Error("no clients");
    const pairs = await Promise.all(Array.from({ length: PEOPLE }, (_, i) => newPair(one.call, i)));
    await fundWallets(
      postgres.url,
      pairs.map((p) => p.sender.id),
    );
    // The first recipient listens on process 2; its payments are confirmed through process 1.
    const [listened] = pairs;
    if (!listened) throw new Error("no pairs");
    const stream = await openSse(`http://127.0.0.1:${apis[1]?.port}/v1/events`, listened.recipient.token);
    expect(stream.status).toBe(200);

    const violations: string[] = [];
    const confirmed = new Set<string>();
    let total = 0n;
    await Promise.all(
      pairs.map(async (pair, w) => {
        for (let i = 0; i < PAYMENTS_EACH; i++) {
          // Creates and confirms alternate between the processes (and so between pools).
          const [creating, confirming] = (w + i) % 2 === 0 || pair === listened ? [two, one] : [one, two];
          const amount = 100 + w * PAYMENTS_EACH + i;
          const c = await createPayment(creating.call, pair, `pay-${w}-${i}`, amount);
          if (typeof c === "string") {
            violations.push(c);
            continue;
          }
          const answer = await confirmThrough(confirming.call, c);
          if (answer.status === 200) {
            confirmed.add(c.paymentId);
            total += BigInt(amount);
          } else violations.push(`${c.key}: ${answer.status} ${answer.code}`);
        }
      }),
    );
    expect(violations).toEqual([]);
    expect(confirmed.size).toBe(PEOPLE * PAYMENTS_EACH);

    // The listening recipient heard each of their payments arrive, through the direct LISTEN.
    const heard = new Set<string>();
    while (heard.size < PAYMENTS_EACH) {
      const event = await stream.next();
      const payment = event.data as { id?: string; status?: string };
      if (event.event === "payment.updated" && payment.status === "awaiting_recipient" && payment.id)
        heard.add(payment.id);
    }
    stream.close();

    const db = createDb(postgres.url, 2);
    try {
      const rows = await db.selectFrom("payments").select(["id", "amount_minor", "status"]).execute();
      expect(rows.length).toBe(confirmed.size);
      expect(rows.every((p) => confirmed.has(p.id) && p.status === "awaiting_recipient")).toBe(true);
      expect(rows.reduce((sum, p) => sum + p.amount_minor, 0n)).toBe(total);
      expect(await verifyLedger(db)).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
    // PgBouncer multiplexed: in transaction mode, more of the processes' pooled connections were
    // its clients at once than it had server connections.
    const pool = (await showPools()).find((p) => p.database === "postgres");
    const servers = Number(pool?.sv_active ?? 0) + Number(pool?.sv_idle ?? 0) + Number(pool?.sv_used ?? 0);
    expect(pool?.pool_mode).toBe("transaction");
    expect(Number(pool?.cl_active ?? 0)).toBeGreaterThan(servers);
    console.log(
      [
        `PgBouncer (transaction mode, ${SERVER_POOL} server connections) under 2 API processes with DB_POOL_MAX=10 each:`,
        `  ${confirmed.size} payments by ${PEOPLE} people, created and confirmed through alternating processes;`,
        `  ${pool?.cl_active} client connections on ${servers} server connections at the end;`,
        `  ${heard.size} payment events heard live on the other process through DATABASE_LISTEN_URL; ledger verified`,
        `  requests ${one.tally.requests + two.tally.requests}, retried ${one.tally.retried + two.tally.retried}`,
      ].join("\n"),
    );
  }, 120_000);
});

if (!found) {
  describeMissingTools(
    "API processes through PgBouncer in transaction mode",
    `no pgbouncer at ${PGBOUNCER_PATH} (apt-get install pgbouncer, or set PGBOUNCER_PATH)`,
  );
}
