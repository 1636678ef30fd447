import { type ChildProcess, fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hash as argon2Hash, argon2id, verify as argon2Verify } from "argon2";
import pg from "pg";
import { parseConfig } from "../src/config";
import { freePort } from "../test/free-port";
import { fundWallets } from "../test/fund-wallets";
import { latencyChart } from "./chart";
import { type CpuSample, type CpuUse, cpuUse, sampleCpu } from "./cpu";
import {
  machine,
  type PgbenchResult,
  pgbench,
  pgbenchInit,
  printTable,
  stop,
  waitForListening,
  writeResults,
} from "./lib";
import { type StepResult, sustainable } from "./open-loop";
import type { Command, Report, Scenario, SseResult } from "./protocol";

/**
 * `npm run bench`: the whole service as `npm start` runs it (embedded Postgres), with the Stripe
 * emulator in a process of its own (`npm run stripe-emulator`), driven by a separate load
 * process at fixed arrival rates, stepping the rate up to find the highest rate whose p99 stays
 * under each scenario's bound; at each step the server's resident memory and the CPU the server
 * and Postgres used (so the database's share of the time, and CPU per operation); a soak at 70%
 * of the wallet maximum; and the machine's ceilings in the same run (argon2id verifications/s,
 * a minimal Hono route, pgbench tpcb-like).
 */

const env = process.env;
const num = (name: string, fallback: number) => Number(env[name] ?? fallback);
const list = (name: string, fallback: string) =>
  (env[name] ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const SCENARIOS = list("BENCH_SCENARIOS", "xacts,wallet,risk,card,pin,history,sse,depth,baselines,soak");
const STEP_SECONDS = num("BENCH_STEP_SECONDS", 5);
const SOAK_SECONDS = num("BENCH_SOAK_SECONDS", 300);
const PAIRS = num("BENCH_PAIRS", 100);
const CARD_PAIRS = num("BENCH_CARD_PAIRS", 20);
const SSE_MEMBERS = num("BENCH_SSE_MEMBERS", 50);
const SSE_PAYMENTS = num("BENCH_SSE_PAYMENTS", 40);
const PGBENCH_SECONDS = num("BENCH_PGBENCH_SECONDS", 10);
const PGBENCH_SCALE = num("BENCH_PGBENCH_SCALE", 10);
const ARGON2_SECONDS = num("BENCH_ARGON2_SECONDS", 5);
/**
 * Requests of each kind counted for transactions per request, one at a time over the seeded
 * pairs (many, so the sweep's bursts every 10 s weigh little on each).
 */
const XACT_REQUESTS = num("BENCH_XACT_REQUESTS", 200);
/**
 * Postgres (15) publishes a backend's transaction counts once it has been idle long enough
 * (at most 10 s later); each count is read after this pause.
 */
const STATS_SETTLE_MS = 11_000;

/** Extra node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const SERVER_NODE_ARGS = list("BENCH_SERVER_NODE_ARGS", "")
  .flatMap((a) => a.split(" "))
  .filter(Boolean);

/** p99 bounds that define "sustainable" per scenario (ms). */
const BOUNDS: Record<Exclude<Scenario, "sse">, number> = {
  wallet: num("BENCH_BOUND_WALLET_MS", 50),
  card: num("BENCH_BOUND_CARD_MS", 100),
  pin: num("BENCH_BOUND_PIN_MS", 250),
  history: num("BENCH_BOUND_HISTORY_MS", 50),
  hello: num("BENCH_BOUND_HELLO_MS", 50),
};
const RATES: Record<Exclude<Scenario, "sse">, number[]> = {
  wallet: list("BENCH_RATES_WALLET", "10,20,40,60,100,200,300,400,500,600,800").map(Number),
  card: list("BENCH_RATES_CARD", "5,10,20,40,60,100,200").map(Number),
  pin: list("BENCH_RATES_PIN", "5,10,15,20,30,40,60").map(Number),
  history: list("BENCH_RATES_HISTORY", "25,50,100,200,400,800,1200").map(Number),
  hello: list("BENCH_RATES_HELLO", "500,1000,2000,4000,6000,8000").map(Number),
};
/** Wallet payment rates the risk decision's cost is measured at, each with and without rules: around the wallet scenario's maximum on a 2-core machine, below overload (where both only measure the queue). */
const RISK_RATES = list("BENCH_RATES_RISK", "10,20,40,60").map(Number);
/** The depth scenario: wallet payments at this rate before and after every sender gets this many past payments, one an hour. */
const DEPTH_RATE = num("BENCH_DEPTH_RATE", 20);
const DEPTH_PAYMENTS = num("BENCH_DEPTH_PAYMENTS", 5000);

/** Settings passed to the server (anything in the environment wins). */
const SERVER_DEFAULTS: Record<string, string> = {
  NODE_ENV: "development",
  LOG_LEVEL: "warn",
  // Open-loop load keeps a few payments per person between create and confirm.
  PAYMENT_MAX_PENDING_CONFIRMATIONS: "100",
};

type RssSample = { at: number; rss_mib: number };
type StepRow = StepResult & { server_rss_mib_max: number; bound_ms: number; sustainable: boolean; cpu: CpuUse };

async function main(): Promise<void> {
  const repo = path.resolve(".");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-service-bench-"));
  await chmod(dataDir, 0o755);
  const [port, pgPort, emulatorPort, bankPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const origin = `http://localhost:${port}`;
  const serverEnv: Record<string, string> = {
    ...SERVER_DEFAULTS,
    ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>),
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    BANK_EMULATOR_PORT: String(bankPort),
    // The Stripe emulator runs in a process of its own (started below), as Stripe is not in ours.
    STRIPE_EMULATOR_URL: `http://127.0.0.1:${emulatorPort}`,
    STRIPE_WEBHOOK_SECRET: randomBytes(32).toString("hex"),
    WEBAUTHN_ORIGINS: origin,
    WEBAUTHN_RP_ID: "localhost",
  };
  // The values the server runs with, as it parses them (secrets are generated at its start).
  const parsed = parseConfig({ ...serverEnv, JWT_SECRET: "x".repeat(32) });
  const settings = {
    DB_POOL_MAX: parsed.database.poolMax,
    LEDGER_BATCHING: parsed.ledgerBatching ?? "off",
    PIN_ARGON2: parsed.pin.argon2,
    PIN_HASH_CONCURRENCY: parsed.pin.hashConcurrency ?? `${os.availableParallelism()} (one per core)`,
    PIN_HASH_QUEUE_MAX: parsed.pin.hashQueueMax,
    UV_THREADPOOL_SIZE: env.UV_THREADPOOL_SIZE ?? "4 (default)",
    PAYMENT_MAX_PENDING_CONFIRMATIONS: parsed.payments.maxPendingConfirmations,
    step_seconds: STEP_SECONDS,
    soak_seconds: SOAK_SECONDS,
    pairs: PAIRS,
    card_pairs: CARD_PAIRS,
    bounds_ms: BOUNDS,
    scenarios: SCENARIOS,
  };
  console.log(`configuration: ${JSON.stringify(settings)}`);
  console.log(`machine: ${JSON.stringify(machine())}`);

  const steps: StepRow[] = [];
  const rss: RssSample[] = [];
  const baseUrl = `http://127.0.0.1:${port}`;
  let sseResult: SseResult | undefined;
  let soak: { basis: string; rate: number; result: StepResult; rss: RssSample[]; growth_pct: number } | undefined;
  let pgbenchResult: (PgbenchResult & { scale: number }) | undefined;
  const readiness: Record<string, string> = {};
  let seeding: { seconds: number; note: string } | undefined;
  let transactions: Record<string, number> | undefined;
  let riskCost: RiskCost | undefined;
  let depthCost: DepthCost | undefined;

  const startServer = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [...SERVER_NODE_ARGS, "--import", "tsx", "src/entry/node.ts"], {
      cwd: repo,
      env: serverEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[server] ${chunk}`));
    await waitForListening(child);
    console.error(`server up at ${baseUrl} (pid ${child.pid}), RSS ${await readRss(child.pid)} MiB`);
    return child;
  };
  const stopServer = async (child: ChildProcess) => {
    await stop(child);
    // A server that died (or was killed) before its shutdown hook leaves its embedded Postgres running.
    await stopOrphanedPostgres(path.join(dataDir, "postgres"));
  };
  let server: ChildProcess | undefined;
  /** After a scenario: if the server no longer answers /readyz, note it and start it again on the same data. */
  const checkpoint = async (scenario: string) => {
    readiness[scenario] = await ready(baseUrl);
    if (readiness[scenario] === "200" || !server) return;
    console.error(`server not ready after ${scenario} (${readiness[scenario]}): restarting it on the same DATA_DIR`);
    await stopServer(server);
    server = await startServer();
  };
  const load = fork(path.join(repo, "bench/load.ts"), [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  const cpu: CpuSample[] = [];
  const sampler = setInterval(() => {
    void readRss(server?.pid).then((mib) => {
      if (mib !== undefined) rss.push({ at: Date.now(), rss_mib: mib });
    });
    void sampleCpu({ server: server?.pid, load: load.pid }, path.join(dataDir, "postgres")).then(
      (sample) => sample && cpu.push(sample),
    );
  }, 500);

  const emulator = spawn(process.execPath, ["--import", "tsx", "src/entry/stripe-emulator.ts"], {
    cwd: repo,
    env: {
      ...serverEnv,
      STRIPE_EMULATOR_PORT: String(emulatorPort),
      STRIPE_WEBHOOK_URL: `${baseUrl}/v1/stripe/webhook`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  emulator.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[stripe-emulator] ${chunk}`));
  try {
    await waitForListening(emulator);
    server = await startServer();
    const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as Record<string, string>;
    const dbUrl = `postgres://postgres:${encodeURIComponent(secrets.EMBEDDED_POSTGRES_PASSWORD ?? "")}@127.0.0.1:${pgPort}/postgres`;

    // PIN last: past its ceiling it can leave the server unable to answer (see the report's notes).
    const paymentScenarios = (["wallet", "card", "history", "pin"] as const).filter((s) => SCENARIOS.includes(s));
    if (paymentScenarios.length > 0 || ["soak", "sse", "xacts", "risk", "depth"].some((s) => SCENARIOS.includes(s))) {
      const seeded = await ask(load, {
        cmd: "seed",
        baseUrl,
        origin,
        rpId: "localhost",
        emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
        pairs: PAIRS,
        cardPairs: SCENARIOS.includes("card") ? CARD_PAIRS : 0,
      });
      if (seeded.type !== "seeded") throw new Error(`seeding: ${JSON.stringify(seeded)}`);
      await fundWallets(dbUrl, seeded.walletSenders);
      seeding = {
        seconds: seeded.seconds,
        note:
          `${PAIRS} sender/recipient pairs in ${PAIRS} direct threads (PIN + passkey each), ${SCENARIOS.includes("card") ? CARD_PAIRS : 0} more ` +
          "with a visa_debit test card; wallet senders funded by posting ledger transfers (card_funding -> wallet) " +
          "directly to the service's database (there is no HTTP top-up)",
      };
      console.error(`seeded in ${seeded.seconds.toFixed(1)} s: ${seeding.note}`);
    }

    if (SCENARIOS.includes("xacts")) {
      transactions = await transactionsPerRequest(load, baseUrl, dbUrl, XACT_REQUESTS);
      console.error(`transactions per request: ${JSON.stringify(transactions)}`);
    }

    for (const scenario of paymentScenarios.filter((s) => s !== "pin")) {
      const results = await runSteps(load, {
        cmd: "steps",
        scenario,
        baseUrl,
        rates: RATES[scenario],
        seconds: STEP_SECONDS,
        boundMs: BOUNDS[scenario],
      });
      for (const r of results) steps.push(row(r, BOUNDS[scenario], rss, cpu));
      await checkpoint(scenario);
    }

    if (SCENARIOS.includes("risk")) {
      riskCost = await measureRiskCost(load, baseUrl, dbUrl);
      await checkpoint("risk");
    }

    if (SCENARIOS.includes("sse")) {
      const reply = await ask(load, {
        cmd: "sse",
        baseUrl,
        members: SSE_MEMBERS,
        payments: SSE_PAYMENTS,
        intervalMs: 100,
      });
      if (reply.type !== "sse-done") throw new Error(`sse: ${JSON.stringify(reply)}`);
      sseResult = reply.result;
      await checkpoint("sse");
      console.error(`sse fan-out: ${JSON.stringify(sseResult)}`);
    }

    const walletMax = maxSustainable(steps, "wallet") ?? maxThroughput(steps, "wallet");
    if (SCENARIOS.includes("soak") && walletMax !== undefined) {
      const rate = Math.max(1, Math.floor(walletMax * 0.7));
      const basis =
        maxSustainable(steps, "wallet") === undefined
          ? "max throughput (no step met the p99 bound)"
          : "max sustainable rate";
      console.error(`soak: wallet at ${rate}/s (70% of the ${basis}) for ${SOAK_SECONDS} s`);
      const reply = await ask(load, { cmd: "soak", scenario: "wallet", baseUrl, rate, seconds: SOAK_SECONDS });
      if (reply.type !== "soak-done") throw new Error(`soak: ${JSON.stringify(reply)}`);
      reply.result = normalise(reply.result);
      const { started_at, ended_at } = reply.result;
      const samples = everyTenSeconds(rss.filter((s) => s.at >= started_at && s.at <= ended_at));
      const first = samples[0]?.rss_mib ?? Number.NaN;
      const last = samples.at(-1)?.rss_mib ?? Number.NaN;
      await checkpoint("soak");
      soak = { basis, rate, result: reply.result, rss: samples, growth_pct: ((last - first) / first) * 100 };
    }

    if (paymentScenarios.includes("pin")) {
      const results = await runSteps(load, {
        cmd: "steps",
        scenario: "pin",
        baseUrl,
        rates: RATES.pin,
        seconds: STEP_SECONDS,
        boundMs: BOUNDS.pin,
      });
      for (const r of results) steps.push(row(r, BOUNDS.pin, rss, cpu));
      await checkpoint("pin");
    }

    // After every other payment scenario: it leaves each sender a long history.
    if (SCENARIOS.includes("depth")) {
      depthCost = await measureDepthCost(load, baseUrl, dbUrl, { rss, cpu });
      await checkpoint("depth");
    }

    if (SCENARIOS.includes("baselines")) {
      const target = { port: pgPort, password: secrets.EMBEDDED_POSTGRES_PASSWORD ?? "", database: "bench_pgbench" };
      const admin = new pg.Client({ connectionString: dbUrl });
      await admin.connect();
      await admin.query("drop database if exists bench_pgbench");
      await admin.query("create database bench_pgbench");
      await admin.end();
      await pgbenchInit(target, PGBENCH_SCALE);
      pgbenchResult = {
        scale: PGBENCH_SCALE,
        ...(await pgbench(target, { clients: parsed.database.poolMax, seconds: PGBENCH_SECONDS })),
      };
      console.error(`pgbench: ${JSON.stringify(pgbenchResult)}`);
    }
  } finally {
    clearInterval(sampler);
    if (server) await stopServer(server);
    await stop(emulator);
    await rm(dataDir, { recursive: true, force: true });
  }

  let argon2: { verifications_per_s: number; concurrency: number; params: typeof parsed.pin.argon2 } | undefined;
  if (SCENARIOS.includes("baselines")) {
    const concurrency = parsed.pin.hashConcurrency ?? os.availableParallelism();
    argon2 = { ...(await argon2Ceiling(parsed.pin.argon2, concurrency)), params: parsed.pin.argon2 };
    console.error(`argon2: ${JSON.stringify(argon2)}`);
    const helloPort = await freePort();
    const hello = spawn(process.execPath, ["--import", "tsx", "bench/hello-server.ts"], {
      cwd: repo,
      env: { ...env, PORT: String(helloPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await waitForListening(hello);
      const helloRss: RssSample[] = [];
      const helloSampler = setInterval(() => {
        void readRss(hello.pid).then((mib) => mib !== undefined && helloRss.push({ at: Date.now(), rss_mib: mib }));
      }, 500);
      const results = await runSteps(load, {
        cmd: "steps",
        scenario: "hello",
        baseUrl: `http://127.0.0.1:${helloPort}/`,
        rates: RATES.hello,
        seconds: STEP_SECONDS,
        boundMs: BOUNDS.hello,
      });
      clearInterval(helloSampler);
      for (const r of results) steps.push(row(r, BOUNDS.hello, helloRss, []));
    } finally {
      await stop(hello);
    }
  }
  load.send({ cmd: "exit" } satisfies Command);

  // Output.
  console.log(
    "\nLoad steps (open loop; latency from each operation's scheduled start; create+confirm = one operation)\n",
  );
  printTable(
    steps.map((s) => ({
      scenario: s.scenario,
      offered: s.offered_rps,
      achieved: s.achieved_rps.toFixed(0),
      ok: s.ok,
      errors: s.errors,
      p50_ms: s.p50_ms.toFixed(1),
      p90_ms: s.p90_ms.toFixed(1),
      p99_ms: s.p99_ms.toFixed(1),
      max_ms: s.max_ms.toFixed(1),
      rss_mib: Number.isFinite(s.server_rss_mib_max) ? s.server_rss_mib_max.toFixed(0) : "-",
      server_cores: fmt(s.cpu.server_cores, 2),
      db_cores: fmt(s.cpu.db_cores, 2),
      load_cores: fmt(s.cpu.load_cores, 2),
      db_share: Number.isFinite(s.cpu.db_share) ? `${(s.cpu.db_share * 100).toFixed(0)}%` : "-",
      cpu_ms_per_op: fmt(s.cpu.cpu_ms_per_op),
      "ok?": s.sustainable ? "yes" : "no",
    })),
  );
  const summary = (["wallet", "card", "pin", "history", "hello"] as const)
    .filter((s) => steps.some((r) => r.scenario === s))
    .map((s) => {
      const max = maxSustainable(steps, s);
      const at = steps.find((r) => r.scenario === s && r.offered_rps === max);
      return {
        scenario: s,
        p99_bound_ms: BOUNDS[s],
        max_sustainable_rps: max ?? "none",
        max_throughput_rps: maxThroughput(steps, s) ?? "none",
        p99_at_max_ms: at ? at.p99_ms.toFixed(1) : "-",
        rss_at_max_mib: at && Number.isFinite(at.server_rss_mib_max) ? at.server_rss_mib_max.toFixed(0) : "-",
      };
    });
  console.log("\nMaximum sustainable rate (highest offered rate with p99 under the bound and <0.1% errors)\n");
  printTable(summary);
  const ceilings: Record<string, string | number>[] = [];
  if (argon2)
    ceilings.push({
      ceiling: `argon2id verify m=${argon2.params.memoryKib},t=${argon2.params.passes},p=${argon2.params.parallelism} x${argon2.concurrency}`,
      per_second: argon2.verifications_per_s.toFixed(1),
    });
  if (pgbenchResult)
    ceilings.push({
      ceiling: `pgbench tpcb-like s${pgbenchResult.scale} c${pgbenchResult.clients}`,
      per_second: pgbenchResult.tps.toFixed(0),
    });
  const helloMax = maxSustainable(steps, "hello");
  if (helloMax !== undefined) ceilings.push({ ceiling: "minimal Hono route (p99 < 50 ms)", per_second: helloMax });
  if (ceilings.length) {
    console.log("\nMachine ceilings in the same run\n");
    printTable(ceilings);
  }
  if (sseResult) {
    console.log(
      `\nSSE fan-out: ${SSE_MEMBERS}-member group thread, ${sseResult.payments} payments 100 ms apart, each created and confirmed; create POST start -> message.created at each member (the others hear it at the confirmation)\n`,
    );
    printTable([
      {
        ...sseResult,
        deliveries: sseResult.deliveries,
        p50_ms: fmt(sseResult.p50_ms),
        p90_ms: fmt(sseResult.p90_ms),
        p99_ms: fmt(sseResult.p99_ms),
        max_ms: fmt(sseResult.max_ms),
      },
    ]);
  }
  if (soak) {
    console.log(
      `\nSoak: wallet at ${soak.rate}/s for ${SOAK_SECONDS} s: p99 ${soak.result.p99_ms.toFixed(1)} ms, errors ${soak.result.errors}`,
    );
    console.log(
      `RSS every 10 s (MiB): ${soak.rss.map((s) => s.rss_mib.toFixed(0)).join(" ")}; growth first->last ${soak.growth_pct.toFixed(1)}%`,
    );
  }
  if (transactions) console.log(`\nDatabase transactions per request: ${JSON.stringify(transactions)}`);
  if (riskCost) {
    console.log(
      `\nThe risk decision's cost: wallet create+confirm at each rate with the rule set (version ${riskCost.rulesVersion}, ${riskCost.rules} rules) and with an empty one, run back to back\n`,
    );
    printTable(
      riskCost.pairs.map(({ ruled, empty }) => ({
        offered: ruled.offered_rps,
        rules_achieved: ruled.achieved_rps.toFixed(0),
        rules_p50_ms: ruled.p50_ms.toFixed(1),
        rules_p99_ms: ruled.p99_ms.toFixed(1),
        rules_errors: ruled.errors,
        empty_achieved: empty.achieved_rps.toFixed(0),
        empty_p50_ms: empty.p50_ms.toFixed(1),
        empty_p99_ms: empty.p99_ms.toFixed(1),
        empty_errors: empty.errors,
        p50_added_ms: (ruled.p50_ms - empty.p50_ms).toFixed(1),
      })),
    );
  }
  if (depthCost) {
    console.log(
      `\nA long history: wallet create+confirm at ${DEPTH_RATE}/s, then again after every sender was given ${DEPTH_PAYMENTS} past payments (one an hour, ${depthCost.seedSeconds.toFixed(0)} s to write)\n`,
    );
    printTable(
      (
        [
          ["as seeded", depthCost.shallow],
          [`${DEPTH_PAYMENTS} past payments each`, depthCost.deep],
        ] as const
      ).map(([history, step]) => {
        return {
          history,
          achieved: step.achieved_rps.toFixed(0),
          p50_ms: step.p50_ms.toFixed(1),
          p99_ms: step.p99_ms.toFixed(1),
          errors: step.errors,
          server_cores: step.cpu.server_cores.toFixed(2),
          db_cores: step.cpu.db_cores.toFixed(2),
          cpu_ms_per_op: step.cpu.cpu_ms_per_op.toFixed(1),
        };
      }),
    );
  }
  console.log(`\nGET /readyz after each scenario: ${JSON.stringify(readiness)}`);
  const pinMax = maxSustainable(steps, "pin");
  const ofPgbench = (scenario: "wallet" | "card", share: number) => {
    const max = maxSustainable(steps, scenario);
    if (max === undefined || !pgbenchResult) return "not measured";
    const needed = pgbenchResult.tps * share;
    return `${max}/s sustained vs ${needed.toFixed(0)}/s (${share * 100}% of pgbench ${pgbenchResult.tps.toFixed(0)} TPS): ${max >= needed ? "met" : "missed"}`;
  };
  const targets = {
    wallet_p99_50ms_at_10pct_of_pgbench: ofPgbench("wallet", 0.1),
    card_p99_100ms_at_3pct_of_pgbench: ofPgbench("card", 0.03),
    pin_p99_250ms_at_80pct_of_argon2_ceiling:
      argon2 && pinMax !== undefined
        ? `${pinMax}/s vs ceiling ${argon2.verifications_per_s.toFixed(1)}/s = ${((pinMax / argon2.verifications_per_s) * 100).toFixed(0)}%`
        : "not measured",
    transactions_per_request: transactions ?? "not measured",
    rss_under_300mib_at_max: summary.find((s) => s.scenario === "wallet")?.rss_at_max_mib ?? "not measured",
    soak_growth_under_10pct: soak ? `${soak.growth_pct.toFixed(1)}%` : "not measured",
  };
  console.log(`\nTargets: ${JSON.stringify(targets, null, 2)}`);

  const title = `${machine().cpus} CPU ${machine().cpu_model}, ${new Date().toISOString().slice(0, 16)}Z`;
  // Narrower runs (BENCH_SCENARIOS set) keep their own files, so they never replace the full run's.
  const name = env.BENCH_RESULTS_NAME ?? (env.BENCH_SCENARIOS ? `service-${SCENARIOS.join("-")}` : "service");
  const svgFile = path.resolve(`bench/results/${name}-latency.svg`);
  const file = await writeResults(name, {
    taken_at: new Date().toISOString(),
    command: `${SCENARIOS.join(",")} (BENCH_* env: ${JSON.stringify(Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("BENCH_"))))})`,
    machine: machine(),
    settings,
    seeding,
    notes: [
      "latency is measured from each operation's scheduled start (open loop), so it includes queueing in the generator and the server",
      "server RSS is the Node process only (VmRSS); embedded Postgres and the load generator are separate processes",
      "the load generator and the Stripe emulator share the same cores as the server and Postgres",
      "cpu: server_cores and db_cores are CPU seconds per second of the Node server and of Postgres (postmaster and backends) while the step ran; db_share is Postgres's part of the two; cpu_ms_per_op is both together per successful operation; load_cores is the load generator's, on the same cores",
    ],
    steps,
    summary,
    ceilings: { argon2, pgbench: pgbenchResult, hello_max_rps: helloMax },
    sse: sseResult,
    transactions_per_request: transactions,
    risk_cost: riskCost,
    depth_cost: depthCost,
    readyz_after_each_scenario: readiness,
    soak,
    targets,
  });
  await writeFile(svgFile, latencyChart(steps, BOUNDS, title));
  console.log(`\nresults: ${file}\nchart: ${svgFile}`);
}

type RiskCost = { rulesVersion: number; rules: number; pairs: { ruled: StepResult; empty: StepResult }[] };

/**
 * What the risk decision costs a wallet payment (it runs at create and again at confirm): after
 * a warm-up step, at each rate, a step with the newest rule set, then one with an empty set (a new version with no
 * rules, which decides without reading any signal), back to back so both see the same data;
 * the rules come back as a further version afterwards (rule sets are never edited).
 */
async function measureRiskCost(load: ChildProcess, baseUrl: string, dbUrl: string): Promise<RiskCost> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const newVersion = async (note: string, copyFrom?: number) => {
    const { rows } = await client.query<{ v: number }>("select max(version) + 1 as v from risk_rule_sets");
    const version = Number(rows[0]?.v);
    await client.query("insert into risk_rule_sets (version, note, created_at) values ($1, $2, now())", [
      version,
      note,
    ]);
    if (copyFrom !== undefined) {
      await client.query(
        `insert into risk_rules (version, code, kind, outcome, message, params, tier)
         select $1, code, kind, outcome, message, params, tier from risk_rules where version = $2`,
        [version, copyFrom],
      );
    }
    return version;
  };
  try {
    const { rows } = await client.query<{ v: number; n: string }>(
      "select s.version as v, (select count(*) from risk_rules r where r.version = s.version)::text as n from risk_rule_sets s order by s.version desc limit 1",
    );
    const rulesVersion = Number(rows[0]?.v);
    const pairs: RiskCost["pairs"] = [];
    const step = async (rate: number) => {
      const [result] = await runSteps(load, {
        cmd: "steps",
        scenario: "wallet",
        baseUrl,
        rates: [rate],
        seconds: STEP_SECONDS,
        boundMs: BOUNDS.wallet,
      });
      if (!result) throw new Error(`risk: no result at ${rate}/s`);
      return normalise(result);
    };
    // A first step warms the server up (JIT, plans, pools), so neither side pays for it.
    await step(RISK_RATES[0] ?? 10);
    for (const rate of RISK_RATES) {
      const ruled = await step(rate);
      await newVersion("bench: no rules");
      const empty = await step(rate);
      await newVersion("bench: the rules again", rulesVersion);
      pairs.push({ ruled, empty });
      console.error(
        `risk at ${rate}/s: p50 ${ruled.p50_ms.toFixed(1)} ms with rules, ${empty.p50_ms.toFixed(1)} ms without`,
      );
    }
    return { rulesVersion, rules: Number(rows[0]?.n), pairs };
  } finally {
    await client.end();
  }
}

type DepthCost = { payments: number; seedSeconds: number; shallow: StepRow; deep: StepRow };

/**
 * What a person's history costs a payment: wallet create+confirm at one rate, then every wallet
 * sender is given DEPTH_PAYMENTS past payments (paid out, one an hour back from their first, written
 * straight to the database, then vacuumed and analysed as a table that old would be), then the same rate again. The reads every payment
 * makes (limits, risk windows, what waits to be claimed) should cost the same either way.
 */
async function measureDepthCost(
  load: ChildProcess,
  baseUrl: string,
  dbUrl: string,
  sampled: { rss: readonly RssSample[]; cpu: readonly CpuSample[] },
): Promise<DepthCost> {
  const step = async () => {
    const [result] = await runSteps(load, {
      cmd: "steps",
      scenario: "wallet",
      baseUrl,
      rates: [DEPTH_RATE],
      seconds: STEP_SECONDS,
      boundMs: BOUNDS.wallet,
    });
    if (!result) throw new Error(`depth: no result at ${DEPTH_RATE}/s`);
    return row(normalise(result), BOUNDS.wallet, sampled.rss, sampled.cpu);
  };
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await step();
    const shallow = await step();
    const started = performance.now();
    await client.query(
      `insert into payments (id, thread_id, sender_id, recipient_id, amount_minor, currency, status, funding,
                             idempotency_key, confirm_by, created_at, updated_at)
       select 'pay_history_' || first.seq || '_' || g, first.thread_id, first.sender_id, first.recipient_id, 100,
              first.currency, 'paid_out', 'wallet', 'history-' || g, at, at, at
       from (select distinct on (sender_id) * from payments where funding = 'wallet' order by sender_id, seq) first,
            generate_series(1, $1::int) g,
            lateral (select first.created_at - make_interval(hours => g) as at) t`,
      [DEPTH_PAYMENTS],
    );
    await client.query("vacuum (analyze) payments");
    // Written out now, so the step after does not pay for flushing what seeding wrote.
    await client.query("checkpoint");
    const seedSeconds = (performance.now() - started) / 1000;
    const deep = await step();
    console.error(
      `depth at ${DEPTH_RATE}/s: p50 ${shallow.p50_ms.toFixed(1)} -> ${deep.p50_ms.toFixed(1)} ms, cpu/op ${shallow.cpu.cpu_ms_per_op.toFixed(1)} -> ${deep.cpu.cpu_ms_per_op.toFixed(1)} ms`,
    );
    return { payments: DEPTH_PAYMENTS, seedSeconds, shallow, deep };
  } finally {
    await client.end();
  }
}

/**
 * Database transactions per request from pg_stat_database: creates alone, then their confirms
 * (passkey), then PIN payments, each one at a time, the senders recorded by the auth layer just
 * before, less what the idle server does meanwhile (the sweep, this reader's own queries),
 * measured first over three pauses.
 */
async function transactionsPerRequest(
  load: ChildProcess,
  baseUrl: string,
  dbUrl: string,
  count: number,
): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const settle = () => new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
  const total = async () => {
    await settle();
    const { rows } = await client.query<{ n: string }>(
      "select sum(xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()",
    );
    return { n: Number(rows[0]?.n ?? Number.NaN), at: performance.now() };
  };
  try {
    // The idle server's rate (the sweep's transactions come in bursts every 10 s) over three pauses.
    const idleFrom = await total();
    await total();
    await total();
    const idleTo = await total();
    const idlePerMs = (idleTo.n - idleFrom.n) / (idleTo.at - idleFrom.at);
    const measure = async (phase: "create" | "confirm", method: "webauthn" | "pin") => {
      // The auth layer records a person at most once a minute: done before the count starts, it
      // leaves the payment requests' own transactions to count (see README, hot path).
      const greeted = await ask(load, { cmd: "greet", baseUrl });
      if (greeted.type !== "greeted") throw new Error(`greet: ${JSON.stringify(greeted)}`);
      const from = await total();
      const reply = await ask(load, { cmd: "phase", baseUrl, phase, method, count });
      if (reply.type !== "phase-done") throw new Error(`${phase}: ${JSON.stringify(reply)}`);
      const to = await total();
      // Per request sent: a confirmation whose own risk decision adds a warning is answered 409 (its
      // decision kept) and sent again acknowledging it, as a person would, so it is two requests.
      return Number(((to.n - from.n - idlePerMs * (to.at - from.at)) / reply.requests).toFixed(1));
    };
    const create = await measure("create", "webauthn");
    const confirmPasskey = await measure("confirm", "webauthn");
    await measure("create", "pin");
    const confirmPin = await measure("confirm", "pin");
    return { per_create: create, per_confirm_passkey: confirmPasskey, per_confirm_pin: confirmPin };
  } finally {
    await client.end();
  }
}

/** IPC is JSON: NaN (no successful operation) arrives as null. */
function normalise(r: StepResult): StepResult {
  const n = (v: number | null) => (typeof v === "number" ? v : Number.NaN);
  return { ...r, p50_ms: n(r.p50_ms), p90_ms: n(r.p90_ms), p99_ms: n(r.p99_ms), max_ms: n(r.max_ms) };
}

/** Highest offered rate the server kept up with (achieved >= 95% of offered, <0.1% errors), whatever the latency. */
function maxThroughput(steps: StepRow[], scenario: string): number | undefined {
  const ok = steps
    .filter(
      (s) => s.scenario === scenario && s.achieved_rps >= 0.95 * s.offered_rps && s.errors <= 0.001 * (s.ok + s.errors),
    )
    .map((s) => s.offered_rps);
  return ok.length ? Math.max(...ok) : undefined;
}

async function ready(baseUrl: string): Promise<string> {
  try {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
    return `${res.status}`;
  } catch (err) {
    return `no answer in 5 s (${err instanceof Error ? err.name : "error"})`;
  }
}

/** A step with the server's largest RSS and the CPU both sides used while it ran. */
function row(r: StepResult, bound: number, rss: readonly RssSample[], cpu: readonly CpuSample[]): StepRow {
  const window = rss.filter((s) => s.at >= r.started_at && s.at <= r.ended_at).map((s) => s.rss_mib);
  return {
    ...r,
    server_rss_mib_max: window.length ? Math.max(...window) : Number.NaN,
    bound_ms: bound,
    sustainable: sustainable(r, bound),
    cpu: cpuUse(cpu, r.started_at, r.ended_at, r.ok),
  };
}

function maxSustainable(steps: StepRow[], scenario: string): number | undefined {
  const ok = steps.filter((s) => s.scenario === scenario && s.sustainable).map((s) => s.offered_rps);
  return ok.length ? Math.max(...ok) : undefined;
}

function everyTenSeconds(samples: RssSample[]): RssSample[] {
  const out: RssSample[] = [];
  for (const s of samples) if (!out.length || s.at - (out.at(-1)?.at ?? 0) >= 10_000) out.push(s);
  return out;
}

async function argon2Ceiling(
  params: { memoryKib: number; passes: number; parallelism: number },
  concurrency: number,
): Promise<{ verifications_per_s: number; concurrency: number }> {
  const secret = Buffer.from("bench-pepper-that-is-long-enough-0123456789");
  const options: Parameters<typeof argon2Hash>[1] = {
    type: argon2id,
    secret,
    memoryCost: params.memoryKib,
    timeCost: params.passes,
    parallelism: params.parallelism,
  };
  const phc = await argon2Hash("480917", options);
  let count = 0;
  const deadline = performance.now() + ARGON2_SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await argon2Verify(phc, "480917", { secret }))) throw new Error("argon2 verify failed");
        count++;
      }
    }),
  );
  return { verifications_per_s: count / ((performance.now() - start) / 1000), concurrency };
}

async function stopOrphanedPostgres(dir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(dir, "postmaster.pid"), "utf8")).split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readRss(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function ask(load: ChildProcess, command: Command): Promise<Report> {
  return new Promise((resolve) => {
    const onMessage = (report: Report) => {
      load.off("message", onMessage);
      resolve(report);
    };
    load.on("message", onMessage);
    load.send(command);
  });
}

function runSteps(load: ChildProcess, command: Extract<Command, { cmd: "steps" }>): Promise<StepResult[]> {
  return new Promise((resolve, reject) => {
    const results: StepResult[] = [];
    const onMessage = (report: Report) => {
      if (report.type === "step") {
        const r = normalise(report.result);
        console.error(
          `${r.scenario} @${r.offered_rps}/s: achieved ${r.achieved_rps.toFixed(0)}/s p50 ${r.p50_ms.toFixed(1)} p99 ${r.p99_ms.toFixed(1)} ms errors ${r.errors}${r.error_samples.length ? ` (${r.error_samples[0]})` : ""}`,
        );
        results.push(r);
      } else {
        load.off("message", onMessage);
        if (report.type === "steps-done") resolve(results);
        else reject(new Error(JSON.stringify(report)));
      }
    };
    load.on("message", onMessage);
    load.send(command);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/** A latency for the table; results that crossed IPC may carry null for "none". */
function fmt(v: number | null, digits = 1): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "-";
}
