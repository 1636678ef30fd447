import { existsSync } from "node:fs";
import { chown, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Owner } from "../src/platform/embedded-postgres";
import { killGroup, killProcessGroup, type Running, run, stop, until, untilReady } from "./chaos-helpers";
import { freePort } from "./free-port";

/**
 * A highly available Postgres for tests, from Debian's packages: one etcd and two Patroni nodes
 * (a primary and a synchronous standby) on loopback ports, everything under one directory.
 */

export const PATRONI_PATH = process.env.PATRONI_PATH ?? "/usr/bin/patroni";
export const ETCD_PATH = process.env.ETCD_PATH ?? "/usr/bin/etcd";
export const PG_BIN_DIR = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
/** What is missing to build the cluster, if anything. */
export const haMissing = [PATRONI_PATH, ETCD_PATH, path.join(PG_BIN_DIR, "postgres")].filter((p) => !existsSync(p));

const SUPERUSER_PASSWORD = "ha-test-only";
const REPLICATION_PASSWORD = "ha-test-only-replication";

export type HaNode = {
  name: string;
  pgPort: number;
  restPort: number;
  dir: string;
  dataDir: string;
  /** Its Patroni while it runs (Patroni starts and stops the node's Postgres). */
  patroni?: Running;
};

export type HaCluster = {
  nodes: HaNode[];
  /** The superuser's URL for one node's Postgres, straight (not through a proxy). */
  url(node: HaNode, port?: number): string;
  /** Starts the node's Patroni: it bootstraps, joins as a replica, or rewinds and rejoins. */
  start(node: HaNode): void;
  /** Whether the node's Patroni answers 200 on a REST health endpoint (`primary`, `replica`, `sync`). */
  is(node: HaNode, endpoint: "primary" | "replica" | "sync"): Promise<boolean>;
  /** A machine's crash: SIGKILL to the node's Patroni and to its Postgres and all its backends. */
  crash(node: HaNode): Promise<void>;
  /** Stops every node and etcd: gracefully, then by force. */
  stop(): Promise<void>;
  /** The output tails of etcd and the nodes' Patroni, for failure messages. */
  output(): string;
};

/**
 * Patroni's settings for one node (JSON is YAML). The `bootstrap.dcs` part is the cluster's
 * shared configuration, written to etcd by the node that bootstraps:
 * - `synchronous_mode`: Patroni names the standby in `synchronous_standby_names` and promotes
 *   only that standby, so with `synchronous_commit = on` every commit a client saw acknowledged
 *   is on both nodes' disks and survives a failover. Not `synchronous_mode_strict`: with the
 *   standby gone the primary keeps taking writes (acknowledged on one disk until the standby is
 *   back) rather than stopping every payment; strict mode is the other choice, with a third node.
 * - `ttl` 10 s, `loop_wait` 1 s, `retry_timeout` 4 s (Patroni wants loop_wait + 2 × retry_timeout
 *   ≤ ttl): a dead primary's leader key expires within 10 s, which bounds the time without one.
 * - `use_pg_rewind` (with `wal_log_hints`): a crashed primary comes back as a standby of the new
 *   one by rewinding what it wrote that the standby never confirmed, instead of a new base
 *   backup; `wal_keep_size` keeps the WAL that rewind and the catch-up read; a rewind that fails
 *   reinitialises the node from the primary (`remove_data_directory_on_rewind_failure`).
 * fsync stays on: what the test checks is durability.
 */
function patroniConfig(node: HaNode, etcdPort: number): unknown {
  return {
    scope: "chat-pay",
    name: node.name,
    log: { level: "INFO" },
    restapi: { listen: `127.0.0.1:${node.restPort}`, connect_address: `127.0.0.1:${node.restPort}` },
    etcd3: { hosts: `127.0.0.1:${etcdPort}` },
    bootstrap: {
      dcs: {
        ttl: 10,
        loop_wait: 1,
        retry_timeout: 4,
        synchronous_mode: true,
        synchronous_mode_strict: false,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            synchronous_commit: "on",
            fsync: "on",
            wal_log_hints: "on",
            wal_keep_size: "256MB",
            max_connections: 100,
          },
        },
      },
      initdb: [{ encoding: "UTF8" }, { locale: "C" }],
    },
    postgresql: {
      listen: `127.0.0.1:${node.pgPort}`,
      connect_address: `127.0.0.1:${node.pgPort}`,
      data_dir: node.dataDir,
      bin_dir: PG_BIN_DIR,
      pgpass: path.join(node.dir, "pgpass"),
      authentication: {
        superuser: { username: "postgres", password: SUPERUSER_PASSWORD },
        replication: { username: "replicator", password: REPLICATION_PASSWORD },
      },
      parameters: { unix_socket_directories: node.dir },
      pg_hba: [
        "local all all trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        "host replication replicator 127.0.0.1/32 scram-sha-256",
      ],
      remove_data_directory_on_rewind_failure: true,
    },
  };
}

/**
 * Starts etcd and the first node, waits for it to lead, then the second, and waits until it is
 * the synchronous standby. `owner`: who Postgres (so Patroni) runs as; the directory must be
 * reachable by it.
 */
export async function startHaCluster(dir: string, owner: Owner, nodeCount = 2): Promise<HaCluster> {
  const etcdPort = await freePort();
  const peerPort = await freePort();
  const etcd = run(
    "etcd",
    ETCD_PATH,
    [
      "--name=etcd",
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=etcd=http://127.0.0.1:${peerPort}`,
      "--log-level=warn",
    ],
    {},
  );
  const nodes: HaNode[] = [];
  const retired: Running[] = [];
  const cluster: HaCluster = {
    nodes,
    url: (node, port = node.pgPort) => `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/postgres`,
    start(node) {
      if (node.patroni) retired.push(node.patroni);
      // A process group of its own, so that a crash takes Patroni with everything it forked.
      node.patroni = run(node.name, PATRONI_PATH, [path.join(node.dir, "patroni.json")], {
        owner,
        detached: true,
        env: { PATH: process.env.PATH, LC_ALL: "C.UTF-8" },
      });
    },
    is: (node, endpoint) =>
      fetch(`http://127.0.0.1:${node.restPort}/${endpoint}`, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.ok,
        () => false,
      ),
    async crash(node) {
      const postmaster = await postmasterGroup(node);
      if (!postmaster) throw new Error(`${node.name} has no running Postgres to crash`);
      if (node.patroni) killGroup(node.patroni);
      killProcessGroup(postmaster.group);
      await until(() => isDead(postmaster.pid), `${node.name}'s postmaster dying`);
    },
    async stop() {
      await Promise.all(nodes.map(async (node) => node.patroni && stop(node.patroni)));
      // Whatever a graceful stop left running: a postmaster whose Patroni was killed, say.
      for (const node of nodes) {
        const postmaster = await postmasterGroup(node);
        if (postmaster) killProcessGroup(postmaster.group);
      }
      await stop(etcd);
    },
    output: () =>
      [etcd, ...retired, ...nodes.flatMap((n) => n.patroni ?? [])]
        .map((r) => `${r.name}:\n${r.output().slice(-4_000)}`)
        .join("\n"),
  };
  try {
    await untilReady(`http://127.0.0.1:${etcdPort}/health`, etcd);
    for (let i = 1; i <= nodeCount; i++) {
      const nodeDir = path.join(dir, `node-${i}`);
      await mkdir(nodeDir, { mode: 0o700 });
      const node: HaNode = {
        name: `node-${i}`,
        pgPort: await freePort(),
        restPort: await freePort(),
        dir: nodeDir,
        dataDir: path.join(nodeDir, "data"),
      };
      await writeFile(path.join(nodeDir, "patroni.json"), JSON.stringify(patroniConfig(node, etcdPort), null, 2));
      if ("uid" in owner) {
        await chown(nodeDir, owner.uid, owner.gid);
        await chown(path.join(nodeDir, "patroni.json"), owner.uid, owner.gid);
      }
      nodes.push(node);
      cluster.start(node);
      const patroni = node.patroni;
      if (!patroni) throw new Error(`${node.name} did not start`);
      await untilReady(`http://127.0.0.1:${node.restPort}/${i === 1 ? "primary" : "sync"}`, patroni);
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/**
 * The process group of the node's running postmaster (it and all its backends): the pid file
 * names the postmaster, and its command line must name the data directory, since a stale file's
 * pid may be someone else's by now. Patroni starts the postmaster from a helper that opened a
 * session of its own and exited, so the group is the helper's, not the postmaster's pid.
 */
async function postmasterGroup(node: HaNode): Promise<{ pid: number; group: number } | undefined> {
  const pidFile = await readFile(path.join(node.dataDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number(pidFile.split("\n")[0]);
  if (!(pid > 0)) return undefined;
  const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!command.includes(node.dataDir)) return undefined;
  const group = Number((await processStat(pid))?.[2]);
  return group > 0 ? { pid, group } : undefined;
}

/** /proc/<pid>/stat's fields from the state on ("pid (name) state ppid pgrp ...", the name may hold spaces). */
async function processStat(pid: number): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Gone, or dead and waiting to be reaped (a zombie: whoever adopted it reaps it). */
async function isDead(pid: number): Promise<boolean> {
  const state = (await processStat(pid))?.[0];
  return state === undefined || state === "Z";
}
