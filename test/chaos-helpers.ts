import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { sql } from "kysely";
import { expect } from "vitest";
import { verifyLedger } from "../src/features/ledger";
import { IDEMPOTENCY_LOCK_TIMEOUT_MS } from "../src/http/idempotency";
import type { Db } from "../src/platform/db";
import type { Owner } from "../src/platform/embedded-postgres";
import { runSweep } from "../src/sweep";
import { freePort } from "./free-port";
import { WALLET_FUNDING_MINOR } from "./fund-wallets";
import { agreeToPayments, type Harness, TEST_ENV } from "./harness";
import { type Created, PIN, warningsOf } from "./payment-helpers";

/**
 * What the chaos tests share: child processes they start and stop, API processes of the real
 * entry behind haproxy, a client that retries under Idempotency-Keys, wallet-funded payments,
 * and the checks on what the client was told.
 */

export const HAPROXY_PATH = process.env.HAPROXY_PATH ?? "/usr/sbin/haproxy";
const TSX = path.resolve("node_modules/.bin/tsx");
const ENTRY = path.resolve("src/entry/node.ts");
const STRIPE_EMULATOR_ENTRY = path.resolve("src/entry/stripe-emulator.ts");

/** How long start-up, or a state a test waits for, may take. */
export const WAIT_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const RETRY_PAUSE_MS = 50;
const IN_USE_PAUSE_MS = 250;
const GATEWAY_STATUSES = [502, 503, 504];

/** group: the child leads a process group of its own (detached), which stop() also reaps. */
export type Running = {
  name: string;
  child: ChildProcess;
  group: boolean;
  output: () => string;
  exited: Promise<void>;
};

/** A child whose stdout and stderr are kept (the tail) for failure messages. */
export function run(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; detached?: boolean; owner?: Owner },
): Running {
  const { owner, ...rest } = options;
  const child = spawn(command, args, { ...rest, ...owner, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return { name, child, group: options.detached === true, output: () => output, exited };
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const hasExited = (running: Running) => running.child.exitCode !== null || running.child.signalCode !== null;

/** SIGKILL to a whole process group; gone already is fine. */
export function killProcessGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** SIGKILL to the child's whole process group. */
export function killGroup(running: Running): void {
  if (running.child.pid) killProcessGroup(running.child.pid);
}

/** SIGTERM (a graceful stop), then SIGKILL to what is left of its group. */
export async function stop(running: Running): Promise<void> {
  if (!hasExited(running)) {
    running.child.kill("SIGTERM");
    const force = setTimeout(() => killGroup(running), STOP_TIMEOUT_MS);
    await running.exited;
    clearTimeout(force);
  }
  if (running.group) killGroup(running);
}

export async function untilReady(url: string, running: Running): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(running)) throw new Error(`${running.name} exited while starting:\n${running.output()}`);
    const status = await fetch(url).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await pause(100);
  }
  throw new Error(`${running.name} not ready at ${url} after ${WAIT_TIMEOUT_MS} ms:\n${running.output()}`);
}

export async function until(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await pause(10);
  }
}

export type Api = Running & { port: number };

/**
 * The Stripe emulator as a process of its own (`npm run stripe-emulator`), for the API processes
 * to share (STRIPE_EMULATOR_URL), so a card saved through one process is known to the others;
 * its webhooks go to webhookUrl (haproxy, which may start after it: deliveries are retried).
 */
export async function startStripeEmulator(webhookUrl: string): Promise<Running & { url: string }> {
  const port = await freePort();
  const emulator = run("stripe-emulator", TSX, [STRIPE_EMULATOR_ENTRY], {
    env: {
      PATH: process.env.PATH,
      STRIPE_EMULATOR_PORT: String(port),
      STRIPE_WEBHOOK_SECRET: TEST_ENV.STRIPE_WEBHOOK_SECRET,
      STRIPE_WEBHOOK_URL: webhookUrl,
    },
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilReady(`${url}/_emulator`, emulator);
  } catch (err) {
    await stop(emulator);
    throw err;
  }
  return { ...emulator, url };
}

/**
 * API processes of the real entry on one database, each in a process group of its own; all
 * ready, or none left running. Each runs a Stripe emulator of its own unless stripeEmulatorUrl
 * names a shared one; env adds to (or overrides) their environment.
 */
export async function startApis(
  dir: string,
  databaseUrl: string,
  names: string[],
  options: { stripeEmulatorUrl?: string; env?: Record<string, string> } = {},
): Promise<Api[]> {
  const { stripeEmulatorUrl } = options;
  const apis: Api[] = [];
  for (const name of names) {
    const port = await freePort();
    const api = run(name, TSX, [ENTRY], {
      env: {
        PATH: process.env.PATH,
        ...TEST_ENV,
        LOG_LEVEL: "warn",
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        DATA_DIR: path.join(dir, name),
        BANK_EMULATOR_PORT: String(await freePort()),
        ...(stripeEmulatorUrl
          ? { STRIPE_EMULATOR_URL: stripeEmulatorUrl }
          : { STRIPE_EMULATOR_PORT: String(await freePort()) }),
        ...options.env,
      },
      // A group of its own: tsx runs the service in a child process, and a SIGKILL to the
      // group kills the service itself, not only its wrapper.
      detached: true,
    });
    apis.push({ ...api, port });
  }
  try {
    await Promise.all(apis.map((api) => untilReady(`http://127.0.0.1:${api.port}/readyz`, api)));
  } catch (err) {
    // The caller never gets them, so it could not stop them.
    await Promise.all(apis.map(stop));
    throw err;
  }
  return apis;
}

/** haproxy with this configuration (written into dir), in the foreground. */
export async function startHaproxy(dir: string, name: string, config: string): Promise<Running> {
  const file = path.join(dir, `${name}.cfg`);
  await writeFile(file, config);
  return run(name, HAPROXY_PATH, ["-f", file, "-db"], {});
}

/** haproxy's global settings and HTTP defaults; sections follow. */
export const HAPROXY_DEFAULTS = `global
  maxconn 512

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check 2s
  # Only a request that never reached a process is sent to another; one a process received and
  # died with fails at the client (a 502, or its connection closed as the process's was), and
  # the client retries it under its Idempotency-Key.
  retries 3
  retry-on conn-failure
  option redispatch 1
`;

/** Round robin over the API processes (backend "processes"), each checked on GET /readyz. */
export function apiProxySection(front: number, apis: { name: string; port: number }[]): string {
  return `
frontend api
  bind 127.0.0.1:${front}
  default_backend processes

backend processes
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 250ms fall 2 rise 2
  http-response set-header X-Served-By %[srv_name]
${apis.map((api) => `  server ${api.name} 127.0.0.1:${api.port} check`).join("\n")}
`;
}

/** A stats page to read the servers' states from. */
export function statsSection(port: number): string {
  return `
listen stats
  bind 127.0.0.1:${port}
  stats enable
  stats uri /stats
`;
}

/** redispatches: requests haproxy sent to another server after failing to connect to this one. */
export type ServerState = { status: string; redispatches: number };

/** One backend's servers as haproxy sees them, from its stats page in CSV. */
export async function serverStates(statsPort: number, backend = "processes"): Promise<Map<string, ServerState>> {
  const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
  const [header = "", ...rows] = csv.trim().split("\n");
  const columns = header.replace(/^# /, "").split(",");
  const states = new Map<string, ServerState>();
  for (const row of rows) {
    const cell = Object.fromEntries(row.split(",").map((value, i) => [columns[i], value]));
    if (cell.pxname !== backend || cell.svname === "BACKEND" || cell.svname === "FRONTEND") continue;
    states.set(String(cell.svname), {
      status: String(cell.status),
      redispatches: Number(cell.wredis),
    });
  }
  return states;
}

export type Tally = {
  requests: number;
  retried: number;
  /** Answers and failures that were retried, or refused, by status and problem code. */
  errors: Record<string, number>;
  servedBy: Record<string, number>;
  /** Gateway errors or network failures of requests sent after the client's downAt was set. */
  failedAfterDown: number;
};
export type Answer = { status: number; body: Record<string, unknown> | undefined; code: string };
type RequestOptions = { token?: string; key?: string; body?: unknown };
export type Person = { id: string; token: string };
/**
 * A sender paying their own recipient, who has no payout card (the money waits for them), from
 * a funded wallet or with a debit card (see enrollCard).
 */
export type Pair = { sender: Person; recipient: Person; thread: string; funding: "wallet" | "card" };
export type Confirmation = { pair: Pair; paymentId: string; key: string; body: unknown };

export function requestInit(method: string, options: RequestOptions): RequestInit {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.key) headers["Idempotency-Key"] = options.key;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
}

export type ClientOptions = {
  /** How long one request keeps being retried before the test gives up on it. */
  deadlineMs: number;
  /**
   * How long a 409 IDEMPOTENCY_KEY_IN_USE is retried before the answer is returned: a key held
   * by a cut transaction or a failed release is free again soon; a claim a dead process left in
   * flight stays until the 60 s takeover.
   */
  inUseGraceMs: number;
  /** When something the test waits for went down; failures after it are counted apart. */
  downAt?: () => number | undefined;
};

/**
 * A client of the service behind haproxy that retries each request under its Idempotency-Key on
 * a network error or a 502/503/504 until it is answered, and counts what it saw.
 */
export function createClient(front: string, options: ClientOptions) {
  const tally: Tally = { requests: 0, retried: 0, errors: {}, servedBy: {}, failedAfterDown: 0 };
  const count = (label: string, sentAfterDown: boolean) => {
    tally.errors[label] = (tally.errors[label] ?? 0) + 1;
    if (sentAfterDown && label !== "409 IDEMPOTENCY_KEY_IN_USE") tally.failedAfterDown++;
  };
  const call = async (method: string, pathname: string, request: RequestOptions = {}): Promise<Answer> => {
    const deadline = Date.now() + options.deadlineMs;
    let inUseSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        tally.retried++;
        if (Date.now() > deadline) throw new Error(`${method} ${pathname} unanswered after ${options.deadlineMs} ms`);
        await pause(inUseSince === undefined ? RETRY_PAUSE_MS : IN_USE_PAUSE_MS);
      }
      const sentAfterDown = options.downAt?.() !== undefined;
      tally.requests++;
      let res: Response;
      try {
        res = await fetch(`${front}${pathname}`, requestInit(method, request));
      } catch {
        count("network error", sentAfterDown);
        continue;
      }
      const server = res.headers.get("X-Served-By");
      if (server) tally.servedBy[server] = (tally.servedBy[server] ?? 0) + 1;
      const text = await res.text();
      const json = res.headers.get("Content-Type")?.includes("json")
        ? (JSON.parse(text) as Record<string, unknown>)
        : undefined;
      const answer = { status: res.status, body: json, code: String(json?.code ?? "") };
      if (GATEWAY_STATUSES.includes(res.status)) {
        count(`${res.status}${answer.code ? ` ${answer.code}` : ""}`, sentAfterDown);
        continue;
      }
      if (res.status === 409 && answer.code === "IDEMPOTENCY_KEY_IN_USE") {
        count("409 IDEMPOTENCY_KEY_IN_USE", sentAfterDown);
        inUseSince ??= Date.now();
        if (Date.now() - inUseSince < options.inUseGraceMs) continue;
      }
      return answer;
    }
  };
  return { tally, call };
}

export type Call = ReturnType<typeof createClient>["call"];

/** The harness's request shape over the retrying client, for the harness's own helpers. */
const asRequest =
  (call: Call): Harness["request"] =>
  async (method, pathname, options = {}) => {
    const answer = await call(method, pathname, { token: options.token, body: options.body });
    return Response.json(answer.body ?? null, { status: answer.status });
  };

/** Signs in and agrees to the terms and to payments, as the web client's first run does. */
async function signIn(call: Call, handle: string): Promise<Person> {
  const res = await call("POST", "/v1/dev/sessions", { body: { handle } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const session = res.body as { token: string; user: { id: string } };
  await agreeToPayments(asRequest(call), session.token);
  return { id: session.user.id, token: session.token };
}

export async function newPair(call: Call, i: number): Promise<Pair> {
  const sender = await signIn(call, `sender${i}`);
  const recipient = await signIn(call, `recipient${i}`);
  expect((await call("PUT", "/v1/me/pin", { token: sender.token, body: { new_pin: PIN } })).status).toBe(201);
  const thread = await call("POST", "/v1/threads", {
    token: sender.token,
    key: `thread-${i}`,
    body: { kind: "direct", member_ids: [recipient.id] },
  });
  expect(thread.status).toBe(201);
  return { sender, recipient, thread: String(thread.body?.id), funding: "wallet" };
}

/**
 * Saves Stripe's visa debit test card for the pair's sender, as the web client does: a
 * SetupIntent through the service, confirmed at the (shared) emulator with the publishable key
 * as Stripe.js would, then the card saved through the service. The pair then pays by card.
 */
export async function enrollCard(call: Call, emulatorUrl: string, pair: Pair, i: number): Promise<Pair> {
  const token = pair.sender.token;
  const setup = await call("POST", "/v1/cards/setup", { token, key: `setup-${i}` });
  expect(setup.status, JSON.stringify(setup.body)).toBe(201);
  const { setup_intent_id, publishable_key } = setup.body as { setup_intent_id: string; publishable_key: string };
  const confirmed = await fetch(`${emulatorUrl}/v1/setup_intents/${setup_intent_id}/confirm`, {
    method: "POST",
    headers: { Authorization: `Bearer ${publishable_key}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ payment_method: "pm_card_visa_debit" }),
  });
  expect(confirmed.status, await confirmed.clone().text()).toBe(200);
  const card = await call("POST", "/v1/cards", { token, key: `card-${i}`, body: { setup_intent_id } });
  expect(card.status, JSON.stringify(card.body)).toBe(201);
  return { ...pair, funding: "card" };
}

/** Past the emulator's webhook retries when a delivery is cut or refused (1 s, 5 s, 30 s). */
const WEBHOOK_RETRIES_MS = 45_000;

/**
 * Waits while card payments' charges settle by their webhooks, redelivered when a delivery was
 * cut; returns how many are still processing once the retries are over: a charge the fault cut
 * after its payment committed to `processing` and before the request reached Stripe (no webhook
 * will come), or whose outcome and webhooks all met the fault. The sweep's re-check
 * (sweepAndCheckPayments runs it) charges those again under the same idempotency key and settles
 * them, as it does in production.
 */
export async function chargesLeftToTheSweep(db: Db): Promise<number> {
  const processing = async () =>
    (await db.selectFrom("payments").select("id").where("status", "=", "processing").execute()).length;
  await until(async () => (await processing()) === 0, "charges settled by webhooks", WEBHOOK_RETRIES_MS).catch(
    () => undefined,
  );
  return processing();
}

/** Creates a payment; the confirmation to send for it, or a violation. */
export async function createPayment(
  call: Call,
  pair: Pair,
  key: string,
  amount: number,
): Promise<Confirmation | string> {
  const created = await call("POST", `/v1/threads/${pair.thread}/payments`, {
    token: pair.sender.token,
    key,
    body: { recipient_id: pair.recipient.id, amount_minor: amount, currency: "USD" },
  });
  if (created.status !== 201) return `create ${key}: ${created.status} ${created.code}`;
  const answer = created.body as Created;
  const { payment, confirmation } = answer;
  if (!confirmation) return `create ${key}: no confirmation challenge`;
  // Acknowledges the payment's risk warnings (a first payment to someone warns), as its sender would.
  const body = {
    challenge_id: confirmation.challenge_id,
    method: "pin",
    response: { pin: PIN },
    acknowledged_warnings: warningsOf(answer),
  };
  return { pair, paymentId: payment.id, key: `confirm-${key}`, body };
}

export const confirmThrough = (call: Call, c: Confirmation) =>
  call("POST", `/v1/payments/${c.paymentId}/confirm`, { token: c.pair.sender.token, key: c.key, body: c.body });

/**
 * Claims left in flight with nobody to release them (their process died, or the answer to the
 * claim's own commit was lost): each must be younger than the takeover window and belong to a
 * parked request (one answered 409 IDEMPOTENCY_KEY_IN_USE past the client's grace). Rather than
 * waiting the window out, they are moved back by it (to the takeover check, the same as the
 * window having passed), and each parked request is sent again under its key: now it is taken
 * over and answered (settle may park it again, which is a violation). Returns the violations and
 * how many were answered after the takeover.
 */
export async function takeOverParkedClaims(
  db: Db,
  parked: Confirmation[],
  send: (c: Confirmation) => Promise<Answer>,
  settle: (c: Confirmation, answer: Answer) => void,
): Promise<{ violations: string[]; answered: number }> {
  const violations: string[] = [];
  const inFlight = await db.selectFrom("idempotency_keys").selectAll().where("state", "=", "in_flight").execute();
  for (const claim of inFlight) {
    if (Date.now() - claim.locked_at.getTime() >= IDEMPOTENCY_LOCK_TIMEOUT_MS) {
      violations.push(`claim ${claim.key} in flight past its ${IDEMPOTENCY_LOCK_TIMEOUT_MS} ms takeover window`);
    }
    if (!parked.some((p) => p.key === claim.key)) violations.push(`claim ${claim.key} in flight, nobody waiting`);
  }
  await sql`update idempotency_keys set locked_at = locked_at - ${`${IDEMPOTENCY_LOCK_TIMEOUT_MS} milliseconds`}::interval
    where state = 'in_flight'`.execute(db);
  const retried = parked.splice(0);
  for (const c of retried) settle(c, await send(c));
  for (const c of parked) violations.push(`${c.key} still held after the takeover`);
  const left = await db.selectFrom("idempotency_keys").select("key").where("state", "=", "in_flight").execute();
  if (left.length) violations.push(`claims still in flight: ${left.map((c) => c.key).join(", ")}`);
  return { violations, answered: retried.length };
}

/** An acknowledged payment: what it was created with, by whom. */
export type Expected = { amount: bigint; pair: Pair };

/**
 * The wallet workload both chaos tests run and what it was told: payments created (with their
 * amounts), those confirmed, confirmations parked behind a claim still in flight (taken over
 * later, see takeOverParkedClaims), and violations.
 */
export function createWorkload(call: Call, violations: string[]) {
  const expected = new Map<string, Expected>();
  const confirmed = new Set<string>();
  const parked: Confirmation[] = [];
  const settle = (c: Confirmation, answer: Answer) => {
    if (answer.status === 200) confirmed.add(c.paymentId);
    else if (answer.code === "IDEMPOTENCY_KEY_IN_USE") parked.push(c);
    else violations.push(`${c.key}: ${answer.status} ${answer.code}`);
  };
  /**
   * Every pair makes `paymentsEach` payments (create, then confirm with the PIN), the pairs at
   * once; `afterConfirmation` hears the running count of confirmations answered, to time a fault.
   */
  const payAll = async (pairs: Pair[], paymentsEach: number, afterConfirmation: (count: number) => void) => {
    let answered = 0;
    const pay = async (pair: Pair, w: number) => {
      for (let i = 0; i < paymentsEach; i++) {
        const amount = 100 + w * paymentsEach + i;
        const c = await createPayment(call, pair, `pay-${w}-${i}`, amount);
        if (typeof c === "string") {
          violations.push(c);
          continue;
        }
        expected.set(c.paymentId, { amount: BigInt(amount), pair });
        settle(c, await confirmThrough(call, c));
        afterConfirmation(++answered);
      }
    };
    await Promise.all(pairs.map((pair, w) => pay(pair, w)));
  };
  return { expected, confirmed, parked, settle, payAll };
}

/**
 * The sweep, past every confirmation window, then the checks on what the client was told: every
 * acknowledged payment exists exactly once, with its amount and its pair's funding (wallet or
 * card, its charge settled: see chargesLeftToTheSweep), delivered to a wallet, nothing else was
 * made and nothing waits past its deadline; the ledger balances, no wallet is negative, and
 * each pair's wallets moved exactly their payments. An API process may hold the sweep's election
 * meanwhile, so this one waits its turn. Returns the violations and the sweep rounds skipped.
 */
export async function sweepAndCheckPayments(
  h: Harness,
  pairs: Pair[],
  expected: Map<string, Expected>,
  confirmed: Set<string>,
): Promise<{ violations: string[]; sweepsSkipped: number }> {
  const { db } = h;
  const violations: string[] = [];
  h.clock.set(new Date(Date.now() + h.config.payments.confirmWindowMs + 60_000));
  let sweepsSkipped = 0;
  while (!(await runSweep(h.deps))) {
    if (++sweepsSkipped > 100) throw new Error("never won the sweep election");
    await pause(100);
  }

  const now = h.clock.now();
  const payments = await db
    .selectFrom("payments")
    .select(["id", "amount_minor", "status", "funding", "claim_by"])
    .execute();
  for (const p of payments) {
    const wanted = expected.get(p.id);
    if (!wanted) violations.push(`payment ${p.id} was never acknowledged`);
    else if (p.amount_minor !== wanted.amount)
      violations.push(`payment ${p.id}: ${p.amount_minor}, not ${wanted.amount}`);
    if (p.status !== "awaiting_recipient" || p.funding !== wanted?.pair.funding || (p.claim_by ?? now) <= now) {
      violations.push(`payment ${p.id} is ${p.status} (${p.funding}), claim by ${p.claim_by?.toISOString()}`);
    }
  }
  for (const id of expected.keys()) {
    if (!payments.some((p) => p.id === id)) violations.push(`acknowledged payment ${id} is missing`);
    if (!confirmed.has(id)) violations.push(`payment ${id} was never confirmed`);
  }

  const ledger = await verifyLedger(db);
  if (!ledger.ok) violations.push(`ledger: ${JSON.stringify(ledger, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`);
  const wallets = await db
    .selectFrom("ledger_accounts")
    .select(["owner_id", "credits_posted", "debits_posted", "debits_pending"])
    .where("purpose", "=", "wallet")
    .execute();
  const balance = new Map(wallets.map((w) => [w.owner_id, w.credits_posted - w.debits_posted - w.debits_pending]));
  for (const [owner, available] of balance) if (available < 0n) violations.push(`wallet of ${owner}: ${available}`);
  for (const pair of pairs) {
    const sent = [...expected.values()].filter((e) => e.pair === pair).reduce((sum, e) => sum + e.amount, 0n);
    const [sender, recipient] = [balance.get(pair.sender.id), balance.get(pair.recipient.id)];
    // A card sender's wallet is never funded, and never touched.
    const left = pair.funding === "wallet" ? WALLET_FUNDING_MINOR - sent : 0n;
    if ((sender ?? 0n) !== left) violations.push(`sender ${pair.sender.id} holds ${sender}, not ${left}`);
    if (recipient !== sent) violations.push(`recipient ${pair.recipient.id} holds ${recipient}, not ${sent}`);
  }
  return { violations, sweepsSkipped };
}
