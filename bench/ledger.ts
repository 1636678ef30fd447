import pg from "pg";
import { ensureAccount, PLATFORM_OWNER } from "../src/features/ledger/accounts";
import { createLedger, type Ledger } from "../src/features/ledger/ledger";
import type { NewTransfer } from "../src/features/ledger/ledger.types";
import type { BatchingOptions } from "../src/features/ledger/transfer-batcher";
import { systemClock } from "../src/platform/clock";
import { createDb } from "../src/platform/db";
import { newId } from "../src/platform/ids";
import { migrateToLatest } from "../src/platform/migrate";
import { freePort } from "../test/free-port";
import { benchPostgres, machine, percentile, pgbench, pgbenchInit, printTable, writeResults } from "./lib";

/**
 * `npm run bench:ledger`: transfers per second and latency for 1, 8 and 32 closed-loop
 * clients, on a uniform and a hot workload, with batching off and on, next to pgbench's
 * tpcb-like TPS on the same Postgres at the same client counts.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? "1,8,32").split(",").map(Number);
const ACCOUNTS = 50;
/** pgbench's default scale (1: every transaction updates one branch row, a hot spot), and one with a branch per client. */
const PGBENCH_SCALES = (process.env.BENCH_PGBENCH_SCALES ?? "1,32").split(",").map(Number);
const BATCHING: BatchingOptions = {
  windowMs: Number(process.env.LEDGER_BATCH_WINDOW_MS ?? 0),
  maxTransfers: Number(process.env.LEDGER_BATCH_MAX ?? 256),
  maxInFlight: Number(process.env.LEDGER_BATCH_IN_FLIGHT ?? 4),
};
const FUNDS = 10n ** 12n;
const PREPARED = process.env.DB_PREPARED_STATEMENTS !== "off";

type Workload = "uniform" | "hot";
type Step = {
  workload: Workload;
  batching: "off" | "on";
  clients: number;
  tps: number;
  p50_ms: number;
  p99_ms: number;
};

async function main() {
  const port = await freePort();
  const server = await benchPostgres(port);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query("create database ledger_bench");
  await admin.end();
  const url = server.url.replace(/\/postgres$/, "/ledger_bench");
  const pool = Math.max(...CLIENT_COUNTS) + 4;
  // As the service's own pool runs: prepared statements unless DB_PREPARED_STATEMENTS=off.
  const db = createDb(url, pool, { preparedStatements: PREPARED });
  await migrateToLatest(db);

  const now = systemClock.now();
  const funding = (await ensureAccount(db, { ownerId: PLATFORM_OWNER, purpose: "card_funding", currency: "USD" }, now))
    .id;
  const wallets: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    wallets.push((await ensureAccount(db, { ownerId: newId("usr"), purpose: "wallet", currency: "USD" }, now)).id);
  }
  const hot = (await ensureAccount(db, { ownerId: "merchant", purpose: "wallet", currency: "USD" }, now)).id;
  const seedLedger = createLedger({ db, clock: systemClock }, undefined);
  await seedLedger.createTransfers(
    wallets.map((w) => ({
      id: newId("ltx"),
      type: "posted",
      debitAccountId: funding,
      creditAccountId: w,
      amountMinor: FUNDS,
      currency: "USD",
    })),
  );

  const transfer = (workload: Workload): NewTransfer => {
    const from = Math.floor(Math.random() * ACCOUNTS);
    const to =
      workload === "hot"
        ? hot
        : (wallets[(from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS] as string);
    return {
      id: newId("ltx"),
      type: "posted",
      debitAccountId: wallets[from] as string,
      creditAccountId: to,
      amountMinor: 1n,
      currency: "USD",
    };
  };

  const steps: Step[] = [];
  for (const workload of ["uniform", "hot"] as const) {
    for (const batching of ["off", "on"] as const) {
      const ledger = createLedger({ db, clock: systemClock }, batching === "on" ? BATCHING : undefined);
      for (const clients of CLIENT_COUNTS) {
        const step = await measure(ledger, clients, () => transfer(workload));
        steps.push({ workload, batching, clients, ...step });
        console.error(`${workload} batching=${batching} clients=${clients}: ${step.tps.toFixed(0)} transfers/s`);
      }
    }
  }
  await db.destroy();

  const baselines: (Awaited<ReturnType<typeof pgbench>> & { scale: number })[] = [];
  for (const scale of PGBENCH_SCALES) {
    const target = { port, password: server.password, database: `pgbench_s${scale}` };
    const adminClient = new pg.Client({ connectionString: server.url });
    await adminClient.connect();
    await adminClient.query(`create database ${target.database}`);
    await adminClient.end();
    await pgbenchInit(target, scale);
    for (const clients of CLIENT_COUNTS)
      baselines.push({ scale, ...(await pgbench(target, { clients, seconds: SECONDS })) });
  }
  await server.stop();

  const rows = steps.map((s) => {
    const row: Record<string, string | number> = {
      workload: s.workload,
      batching: s.batching,
      clients: s.clients,
      "transfers/s": Math.round(s.tps),
      p50_ms: s.p50_ms.toFixed(2),
      p99_ms: s.p99_ms.toFixed(2),
    };
    for (const scale of PGBENCH_SCALES) {
      const base = baselines.find((b) => b.clients === s.clients && b.scale === scale)?.tps ?? Number.NaN;
      row[`pgbench s${scale}`] = Math.round(base);
      row[`x s${scale}`] = (s.tps / base).toFixed(2);
    }
    return row;
  });
  console.log(
    `\nLedger benchmark, ${SECONDS}s per step, ${ACCOUNTS} accounts; pgbench tpcb-like at scales ${PGBENCH_SCALES}`,
  );
  console.log(
    `batching: ${JSON.stringify(BATCHING)}; prepared statements: ${PREPARED ? "on" : "off"}; machine: ${JSON.stringify(machine())}\n`,
  );
  printTable(rows);
  const file = await writeResults("ledger", {
    taken_at: new Date().toISOString(),
    machine: machine(),
    seconds_per_step: SECONDS,
    accounts: ACCOUNTS,
    batching: BATCHING,
    pgbench_scales: PGBENCH_SCALES,
    steps,
    pgbench: baselines,
  });
  console.log(`\nresults: ${file}`);
}

/** Closed-loop clients posting one transfer per call for SECONDS; throughput and latency percentiles. */
async function measure(ledger: Ledger, clients: number, next: () => NewTransfer) {
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let failures = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const [result] = await ledger.createTransfers([next()]);
        latencies.push(performance.now() - started);
        if (result?.result !== "created") failures++;
      }
    }),
  );
  if (failures > 0) throw new Error(`${failures} transfers were not created`);
  latencies.sort((a, b) => a - b);
  return { tps: latencies.length / SECONDS, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
