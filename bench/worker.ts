/**
 * `npm run bench:worker`: the same requests against the Node server and against the Worker in
 * workerd (wrangler dev, local), one after the other on one embedded Postgres, so the Node
 * figures are the baseline from the same run. Closed loop: each client sends its next request
 * when the previous one is answered.
 *
 *   health   GET /healthz: no database (the runtime and the app alone)
 *   threads  GET /v1/threads: token check and one indexed query
 *   pin      PUT /v1/me/pin for a fresh person: one argon2id hash (native vs WebAssembly) and its writes
 *
 * Locally the Worker's Hyperdrive binding is a direct connection, so each Worker request also
 * opens a Postgres connection (Hyperdrive keeps them warm in production): the threads row shows
 * that cost. BENCH_SECONDS (default 8) per step.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDb } from "../src/platform/db";
import { migrateToLatest } from "../src/platform/migrate";
import { startWranglerDev } from "../src/platform/wrangler-dev";
import { freePort } from "../test/free-port";
import { benchPostgres, machine, percentile, printTable, stop, waitForListening, writeResults } from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = [1, 8];
const SIGN_IN_BATCH = 8;
const SECRETS = {
  JWT_SECRET: "bench-jwt-secret-that-is-long-enough-0123456789",
  PIN_PEPPER: "bench-pin-pepper-that-is-long-enough-0123456789",
  STRIPE_WEBHOOK_SECRET: "whsec_bench_secret_that_is_long_enough_0123456789",
};

type Target = { runtime: "node" | "worker"; url: string };
type Op = "health" | "threads" | "pin";

async function json(url: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function signIn(url: string, handle: string): Promise<string> {
  const session = (await json(`${url}/v1/dev/sessions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle }),
  })) as { token: string };
  return session.token;
}

/**
 * One request of the operation; people for `pin` are signed in beforehand, one per request, and
 * the step ends early (its rate taken over the time it ran) when they run out.
 */
function operation(target: Target, op: Op, tokens: string[]): () => Promise<boolean> {
  let next = 0;
  return async () => {
    if (op === "health") await json(`${target.url}/healthz`);
    else if (op === "threads") {
      await json(`${target.url}/v1/threads`, { headers: { Authorization: `Bearer ${tokens[0]}` } });
    } else {
      const token = tokens[next++];
      if (!token) return false;
      const res = await fetch(`${target.url}/v1/me/pin`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ new_pin: "480917" }),
      });
      if (res.status !== 201) throw new Error(`PUT /v1/me/pin: ${res.status} ${await res.text()}`);
    }
    return true;
  };
}

async function closedLoop(clients: number, seconds: number, request: () => Promise<boolean>) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          if (!(await request())) break;
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    ok: latencies.length,
    errors,
  };
}

async function startNode(port: number, databaseUrl: string, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/entry/node.ts"], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      ...SECRETS,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      STRIPE_EMULATOR_PORT: String(await freePort()),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await waitForListening(child);
  return child;
}

async function main(): Promise<void> {
  const pg = await benchPostgres(await freePort());
  const db = createDb(pg.url, 1);
  await migrateToLatest(db);
  await db.destroy();
  const rows: Record<string, string | number>[] = [];
  const results: unknown[] = [];

  const measure = async (target: Target) => {
    for (const op of ["health", "threads", "pin"] as const) {
      for (const clients of CLIENTS) {
        // Enough fresh people for the fastest PIN rate seen here (Node, 8 clients: about 65/s).
        const people = op === "pin" ? 100 * SECONDS : 1;
        const tokens: string[] = [];
        for (let i = 0; i < people; i += SIGN_IN_BATCH) {
          const batch = Array.from({ length: Math.min(SIGN_IN_BATCH, people - i) }, (_, j) =>
            signIn(target.url, `${target.runtime}_${op}_${clients}_${i + j}`),
          );
          tokens.push(...(await Promise.all(batch)));
        }
        const result = await closedLoop(clients, SECONDS, operation(target, op, tokens));
        results.push({ runtime: target.runtime, op, clients, ...result });
        rows.push({
          op,
          clients,
          runtime: target.runtime,
          "req/s": result.rps.toFixed(0),
          p50_ms: result.p50_ms.toFixed(2),
          p99_ms: result.p99_ms.toFixed(2),
          errors: result.errors,
        });
      }
    }
  };

  const nodePort = await freePort();
  const node = await startNode(nodePort, pg.url, pg.dir);
  try {
    await measure({ runtime: "node", url: `http://127.0.0.1:${nodePort}` });
  } finally {
    await stop(node);
  }

  const stateDir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-bench-worker-"));
  const worker = await startWranglerDev({
    port: await freePort(),
    databaseUrl: pg.url,
    // No Stripe call is measured; the Worker only needs to know where an emulator would be.
    variables: {
      ...SECRETS,
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      STRIPE_EMULATOR_PORT: String(await freePort()),
    },
    stateDir,
    output: "capture",
  });
  try {
    await measure({ runtime: "worker", url: worker.url });
  } finally {
    await worker.stop();
    await rm(stateDir, { recursive: true, force: true });
    await pg.stop();
  }

  rows.sort((a, b) => String(a.op).localeCompare(String(b.op)) || Number(a.clients) - Number(b.clients));
  printTable(rows);
  console.log(`machine: ${JSON.stringify(machine())}`);
  console.log(`results: ${await writeResults("worker", { seconds_per_step: SECONDS, machine: machine(), results })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
