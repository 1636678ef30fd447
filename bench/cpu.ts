import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** Linux reports process times in clock ticks; 100 per second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds at one moment: the server's Node process, the whole Postgres (postmaster and
 * backends), and the load generator (on the same cores, so it is what the others did not get).
 */
export type CpuSample = { at: number; server_s: number; db_s: number; load_s: number };

/**
 * How a step spent the machine's CPU: each side in cores, the database's share of the
 * service's (server and database), and the service's CPU per successful operation.
 */
export type CpuUse = {
  server_cores: number;
  db_cores: number;
  load_cores: number;
  db_share: number;
  cpu_ms_per_op: number;
};

type Stat = { pid: number; ppid: number; own: number; children: number };

async function readStat(pid: number): Promise<Stat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted after its last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const n = (i: number) => Number(fields[i - 3]);
    return { pid, ppid: n(4), own: (n(14) + n(15)) / TICKS_PER_SECOND, children: (n(16) + n(17)) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by a process and, with its children, by a Postgres cluster: the
 * postmaster's own and its ended backends' (reaped, so counted in its children's time), plus
 * every live backend's.
 */
export async function sampleCpu(
  pids: { server: number | undefined; load: number | undefined },
  postgresDir: string,
): Promise<CpuSample | undefined> {
  const server = pids.server === undefined ? undefined : await readStat(pids.server);
  const load = pids.load === undefined ? undefined : await readStat(pids.load);
  let postmaster: number;
  try {
    postmaster = Number((await readFile(path.join(postgresDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  } catch {
    return undefined;
  }
  const root = await readStat(postmaster);
  if (!server || !root || !load) return undefined;
  let db = root.own + root.children;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readStat(Number(entry));
    if (stat?.ppid === postmaster) db += stat.own;
  }
  return { at: Date.now(), server_s: server.own, db_s: db, load_s: load.own };
}

/** The CPU a step used, between its first and last samples (NaN with fewer than two). */
export function cpuUse(samples: readonly CpuSample[], from: number, to: number, operations: number): CpuUse {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const [before, after] = [inside[0], inside.at(-1)];
  if (!before || !after || after.at <= before.at) {
    const none = Number.NaN;
    return { server_cores: none, db_cores: none, load_cores: none, db_share: none, cpu_ms_per_op: none };
  }
  const seconds = (after.at - before.at) / 1000;
  const server = (after.server_s - before.server_s) / seconds;
  const db = (after.db_s - before.db_s) / seconds;
  return {
    server_cores: server,
    db_cores: db,
    load_cores: (after.load_s - before.load_s) / seconds,
    db_share: db / (db + server),
    cpu_ms_per_op: ((server + db) * (to - from)) / operations,
  };
}
