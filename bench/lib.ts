import { type ChildProcess, execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/platform/embedded-postgres";

const exec = promisify(execFile);

/** A throwaway Postgres with default (durable) settings, so figures match a real deployment's shape. */
export async function benchPostgres(port: number): Promise<EmbeddedPostgres & { dir: string; password: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-bench-"));
  await chmod(dir, 0o755);
  const password = "bench-only-password";
  const pg = await startEmbeddedPostgres({
    dir: path.join(dir, "postgres"),
    port,
    password,
    settings: { max_connections: "200" },
  });
  return {
    ...pg,
    dir,
    password,
    stop: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index] as number;
}

export type PgbenchResult = { clients: number; tps: number; latency_ms_avg: number };

/** pgbench's built-in tpcb-like transaction on the same server: the database's own ceiling. */
export async function pgbench(
  target: { port: number; password: string; database: string },
  options: { clients: number; seconds: number },
): Promise<PgbenchResult> {
  const { stdout } = await exec(
    "pgbench",
    [
      "-h",
      "127.0.0.1",
      "-p",
      String(target.port),
      "-U",
      "postgres",
      "-n",
      "-c",
      String(options.clients),
      "-j",
      String(Math.min(options.clients, os.cpus().length)),
      "-T",
      String(options.seconds),
      target.database,
    ],
    { env: { ...process.env, PGPASSWORD: target.password } },
  );
  const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
  if (!tps || !latency) throw new Error(`unexpected pgbench output:\n${stdout}`);
  return { clients: options.clients, tps: Number(tps), latency_ms_avg: Number(latency) };
}

export async function pgbenchInit(target: { port: number; password: string; database: string }, scale: number) {
  await exec(
    "pgbench",
    ["-h", "127.0.0.1", "-p", String(target.port), "-U", "postgres", "-i", "-q", "-s", String(scale), target.database],
    {
      env: { ...process.env, PGPASSWORD: target.password },
    },
  );
}

export function machine(): { cpus: number; cpu_model: string; memory_gib: number; node: string; platform: string } {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
  };
}

/** Prints rows as an aligned table. */
export function printTable(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(width(columns[i] as string))).join("  ");
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c]))));
}

export async function writeResults(name: string, data: unknown): Promise<string> {
  const dir = path.resolve("bench/results");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  return file;
}

/** Resolves once a started service prints "listening on", in any case (the Node entry and the Stripe emulator do, when they accept requests). */
export function waitForListening(child: ChildProcess, timeoutMs = 180_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 15 s. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
