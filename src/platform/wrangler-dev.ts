import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const READY_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 250;
const STOP_TIMEOUT_MS = 10_000;

export type WranglerDevOptions = {
  /** Where the Worker listens, on 127.0.0.1. */
  port: number;
  /** The Postgres the Hyperdrive binding reaches locally (must carry a password). */
  databaseUrl: string;
  /** The Worker's variables and secrets, written to an env file only its owner can read. */
  variables: Record<string, string>;
  /** wrangler's local state and the env file. */
  stateDir: string;
  /** Show wrangler's own output (the demo) or keep it for the failure message (tests). */
  output: "inherit" | "capture";
};

export type WranglerDev = { url: string; stop(): Promise<void> };

/**
 * Runs the Worker in workerd through `wrangler dev` (local mode, nothing reaches Cloudflare) and
 * resolves once /healthz answers (whatever the answer: a misconfigured Worker answers 500). `/__scheduled?cron=...` runs the cron handler on demand.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  await mkdir(options.stateDir, { recursive: true });
  const envFile = path.join(options.stateDir, "worker.env");
  await writeFile(envFile, formatEnvFile(options.variables), { mode: 0o600 });
  // The mode above applies only to a new file; a file left from an earlier run keeps its own.
  await chmod(envFile, 0o600);
  const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--local",
      "--ip=127.0.0.1",
      `--port=${options.port}`,
      "--test-scheduled",
      `--persist-to=${path.join(options.stateDir, "state")}`,
      `--env-file=${envFile}`,
      "--show-interactive-dev-session=false",
      `--log-level=${options.output === "inherit" ? "info" : "warn"}`,
    ],
    {
      env: {
        ...process.env,
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: options.databaseUrl,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_LOG_PATH: path.join(options.stateDir, "logs"),
        // No network here: skip fetching the `request.cf` sample and use the built-in placeholder.
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
      stdio: options.output === "inherit" ? "inherit" : "pipe",
      // Its own process group, so stopping it also stops the workerd it started.
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${options.port}`;
  // Secrets stay on disk only while the Worker runs.
  const stop = () => stopGroup(child).finally(() => rm(envFile, { force: true }));
  try {
    await waitUntilReady(url, child);
  } catch (err) {
    await stop();
    throw new Error(`wrangler dev did not start: ${(err as Error).message}\n${output}`);
  }
  return { url, stop };
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/healthz`).then(
      () => true,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`no answer from ${url}/healthz within ${READY_TIMEOUT_MS / 1000} s`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, "exit");
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * dotenv lines. Wrangler expands `$NAME` inside values, even single-quoted ones, so a value with
 * `$` (or a quote or line break) is refused rather than handed over changed.
 */
function formatEnvFile(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (/['$\r\n]/.test(value)) {
        throw new Error(`${name} cannot be passed to the local Worker: it contains $, a quote or a line break`);
      }
      return `${name}='${value}'\n`;
    })
    .join("");
}
