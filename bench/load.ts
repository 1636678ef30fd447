import { randomUUID } from "node:crypto";
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { agreeToPayments } from "../test/consent-helpers";
import { createSoftwareAuthenticator, type SoftwareAuthenticator } from "../test/software-authenticator";
import { percentile } from "./lib";
import { openLoop, type StepResult, sustainable } from "./open-loop";
import type { Command, Report, Scenario, SseResult } from "./protocol";

/**
 * The load generator, a process of its own (forked by bench/service.ts) so its CPU and event
 * loop are not the server's. It owns the virtual people and their passkeys (software
 * authenticators), seeds them over HTTP, then fires requests at fixed arrival rates on command.
 */

const PIN = "480917";
const REQUEST_TIMEOUT_MS = 30_000;

type Person = { id: string; token: string; authenticator: SoftwareAuthenticator };
type Pair = { sender: Person; recipient: Person; threadId: string };

const state: { wallet: Pair[]; card: Pair[]; created: { pair: Pair; created: Created }[] } = {
  wallet: [],
  card: [],
  created: [],
};
let origin = "http://localhost";
let rpId = "localhost";

function send(report: Report): void {
  process.send?.(report);
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  return fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

async function expectStatus<T>(res: Response, status: number, what: string): Promise<T> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

async function signIn(baseUrl: string, handle: string): Promise<Person> {
  const session = await expectStatus<{ token: string; user: { id: string } }>(
    await call(baseUrl, "POST", "/v1/dev/sessions", { body: { handle } }),
    201,
    "sign-in",
  );
  await agreeToPayments((method, path, options) => call(baseUrl, method, path, options), session.token);
  return { id: session.user.id, token: session.token, authenticator: createSoftwareAuthenticator({ origin, rpId }) };
}

async function setUpSender(baseUrl: string, person: Person, emulatorUrl: string | undefined): Promise<void> {
  const pin = await call(baseUrl, "PUT", "/v1/me/pin", { token: person.token, body: { new_pin: PIN } });
  if (pin.status !== 201) throw new Error(`set PIN: ${pin.status} ${await pin.text()}`);
  const { challenge_id, options } = await expectStatus<{
    challenge_id: string;
    options: PublicKeyCredentialCreationOptionsJSON;
  }>(await call(baseUrl, "POST", "/v1/me/devices/registration-options", { token: person.token }), 201, "options");
  const credential = await person.authenticator.register(options);
  await expectStatus(
    await call(baseUrl, "POST", "/v1/me/devices", {
      token: person.token,
      body: { challenge_id, name: "bench phone", credential },
    }),
    201,
    "register passkey",
  );
  if (!emulatorUrl) return;
  const { setup_intent_id } = await expectStatus<{ setup_intent_id: string }>(
    await call(baseUrl, "POST", "/v1/cards/setup", { token: person.token }),
    201,
    "card setup",
  );
  const confirmed = await fetch(`${emulatorUrl}/v1/setup_intents/${setup_intent_id}/confirm`, {
    method: "POST",
    headers: { Authorization: "Bearer pk_test_emulator", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ payment_method: "pm_card_visa_debit" }),
  });
  if (!confirmed.ok) throw new Error(`emulator confirm: ${confirmed.status} ${await confirmed.text()}`);
  await expectStatus(
    await call(baseUrl, "POST", "/v1/cards", { token: person.token, body: { setup_intent_id } }),
    201,
    "enroll card",
  );
}

async function makePair(baseUrl: string, tag: string, emulatorUrl: string | undefined): Promise<Pair> {
  const run = randomUUID().slice(0, 8);
  const sender = await signIn(baseUrl, `bench_${tag}_s_${run}`);
  const recipient = await signIn(baseUrl, `bench_${tag}_r_${run}`);
  await setUpSender(baseUrl, sender, emulatorUrl);
  const thread = await expectStatus<{ id: string }>(
    await call(baseUrl, "POST", "/v1/threads", {
      token: sender.token,
      body: { kind: "direct", member_ids: [recipient.id] },
    }),
    201,
    "thread",
  );
  return { sender, recipient, threadId: thread.id };
}

async function inBatches<T>(count: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

type Created = {
  payment: { id: string; risk: { warnings: { code: string }[] } | null };
  confirmation: { challenge_id: string; methods: { method: string; prompt: Record<string, unknown> }[] } | null;
};

/** Create + confirm: the pair of requests a person's "$ -> Confirm" makes; throws unless both succeed. */
async function payAndConfirm(baseUrl: string, pair: Pair, method: "webauthn" | "pin"): Promise<void> {
  await confirm(baseUrl, pair, await create(baseUrl, pair), method);
}

async function create(baseUrl: string, pair: Pair): Promise<Created> {
  return expectStatus<Created>(
    await call(baseUrl, "POST", `/v1/threads/${pair.threadId}/payments`, {
      token: pair.sender.token,
      body: { recipient_id: pair.recipient.id, amount_minor: 1, currency: "USD" },
      headers: { "Idempotency-Key": randomUUID() },
    }),
    201,
    "create",
  );
}

/** Confirms the payment; returns how many requests that took (two when the confirmation's own risk decision added a warning to acknowledge). */
async function confirm(baseUrl: string, pair: Pair, created: Created, method: "webauthn" | "pin"): Promise<number> {
  const challengeId = created.confirmation?.challenge_id;
  const answer = async (): Promise<Record<string, unknown>> => {
    if (method === "pin") return { pin: PIN };
    const prompt = created.confirmation?.methods.find((m) => m.method === "webauthn")?.prompt as
      | { options: PublicKeyCredentialRequestOptionsJSON }
      | undefined;
    if (!prompt) throw new Error("no webauthn method offered");
    return { credential: await pair.sender.authenticator.assert(prompt.options) };
  };
  // Acknowledges the risk decision's warnings (a pair's first payment warns), as the sender would,
  // and once more any the confirmation's own decision added (many payments in the last hour).
  const send = async (acknowledged: string[]) =>
    call(baseUrl, "POST", `/v1/payments/${created.payment.id}/confirm`, {
      token: pair.sender.token,
      body: { challenge_id: challengeId, method, response: await answer(), acknowledged_warnings: acknowledged },
    });
  const seen = created.payment.risk?.warnings.map((w) => w.code) ?? [];
  let confirmed = await send(seen);
  let requests = 1;
  if (confirmed.status === 409) {
    requests++;
    const refusal = (await confirmed.json()) as { code: string; warnings?: string };
    if (refusal.code !== "RISK_WARNINGS_NOT_ACKNOWLEDGED") throw new Error(`confirm: 409 ${refusal.code}`);
    confirmed = await send([...seen, ...(refusal.warnings?.split(",") ?? [])]);
  }
  if (confirmed.status !== 200)
    throw new Error(`confirm: ${confirmed.status} ${(await confirmed.text()).slice(0, 200)}`);
  await confirmed.arrayBuffer();
  return requests;
}

function operation(scenario: Scenario, baseUrl: string): (i: number) => Promise<void> {
  const pick = (pairs: Pair[], i: number): Pair => {
    const pair = pairs[i % pairs.length];
    if (!pair) throw new Error(`no people seeded for ${scenario}`);
    return pair;
  };
  switch (scenario) {
    case "wallet":
      return (i) => payAndConfirm(baseUrl, pick(state.wallet, i), "webauthn");
    case "card":
      return (i) => payAndConfirm(baseUrl, pick(state.card, i), "webauthn");
    case "pin":
      return (i) => payAndConfirm(baseUrl, pick(state.wallet, i), "pin");
    case "history":
      return async (i) => {
        const res = await call(baseUrl, "GET", "/v1/payments?limit=20", { token: pick(state.wallet, i).sender.token });
        if (res.status !== 200) throw new Error(`history: ${res.status}`);
        await res.arrayBuffer();
      };
    case "hello":
      return async () => {
        const res = await fetch(baseUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (res.status !== 200) throw new Error(`hello: ${res.status}`);
        await res.arrayBuffer();
      };
    case "sse":
      throw new Error("sse is measured by the sse command");
  }
}

/** 50 members of a group thread each hold an event stream; every payment's message must reach all of them. */
async function sse(command: Extract<Command, { cmd: "sse" }>): Promise<SseResult> {
  const { baseUrl } = command;
  // The (wallet-funded) senders seeded for the payment scenarios: creating a payment needs a funding source.
  const pairs = state.wallet.slice(0, command.members);
  const members = pairs.map((pair) => pair.sender);
  if (members.length < command.members) throw new Error(`sse needs ${command.members} seeded senders (BENCH_PAIRS)`);
  const [creator, ...others] = members;
  if (!creator) throw new Error("no members");
  const thread = await expectStatus<{ id: string }>(
    await call(baseUrl, "POST", "/v1/threads", {
      token: creator.token,
      body: { kind: "group", title: "bench fan-out", member_ids: others.map((m) => m.id) },
    }),
    201,
    "group thread",
  );
  // Arrival time of each payment's message.created at each member, by payment id.
  const arrivals = members.map(() => new Map<string, number>());
  const aborts = members.map(() => new AbortController());
  const readers = members.map(async (member, m) => {
    const res = await fetch(`${baseUrl}/v1/events`, {
      headers: { Authorization: `Bearer ${member.token}`, Accept: "text/event-stream" },
      signal: aborts[m]?.signal,
    });
    if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const now = performance.now();
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          if (!block.includes("event: message.created")) continue;
          const paymentId = /"payment_id":\s*"([^"]+)"/.exec(block)?.[1];
          if (paymentId) arrivals[m]?.set(paymentId, now);
        }
      }
    } catch {
      // aborted at the end
    }
  });
  // Give every stream time to go live before the first payment.
  await new Promise((r) => setTimeout(r, 1000));
  const sent = new Map<string, number>();
  // Until it is confirmed a payment's message is its sender's alone: the others hear of it when the
  // sender confirms, so each payment is created and confirmed (with the passkey) before the next.
  for (let k = 0; k < command.payments; k++) {
    const pair = pairs[k % pairs.length] as Pair;
    const from = pair.sender;
    const to = members[(k + 1) % members.length] as Person;
    const started = performance.now();
    const created = await expectStatus<Created>(
      await call(baseUrl, "POST", `/v1/threads/${thread.id}/payments`, {
        token: from.token,
        body: { recipient_id: to.id, amount_minor: 1, currency: "USD" },
        headers: { "Idempotency-Key": randomUUID() },
      }),
      201,
      "sse payment",
    );
    sent.set(created.payment.id, started);
    await confirm(baseUrl, pair, created, "webauthn");
    await new Promise((r) => setTimeout(r, command.intervalMs));
  }
  await new Promise((r) => setTimeout(r, 2000));
  for (const a of aborts) a.abort();
  await Promise.allSettled(readers);
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, started] of sent) {
    for (const member of arrivals) {
      const at = member.get(id);
      if (at === undefined) missing++;
      else latencies.push(at - started);
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    members: members.length,
    payments: sent.size,
    deliveries: latencies.length,
    missing,
    p50_ms: percentile(latencies, 50),
    p90_ms: percentile(latencies, 90),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.at(-1) ?? Number.NaN,
  };
}

async function handle(command: Command): Promise<void> {
  switch (command.cmd) {
    case "seed": {
      origin = command.origin;
      rpId = command.rpId;
      const started = performance.now();
      state.wallet = await inBatches(command.pairs, 8, () => makePair(command.baseUrl, "w", undefined));
      state.card = await inBatches(command.cardPairs, 8, () => makePair(command.baseUrl, "c", command.emulatorUrl));
      send({
        type: "seeded",
        walletSenders: state.wallet.map((p) => p.sender.id),
        seconds: (performance.now() - started) / 1000,
      });
      return;
    }
    case "steps": {
      const op = operation(command.scenario, command.baseUrl);
      // A short warm-up (JIT, connection pools), not recorded.
      await openLoop(command.scenario, Math.min(20, command.rates[0] ?? 20), 2, op);
      for (const rate of command.rates) {
        const result: StepResult = await openLoop(command.scenario, rate, command.seconds, op);
        send({ type: "step", result });
        // Past the bound by far: higher rates only pile up a queue, so stop stepping.
        if (!sustainable(result, command.boundMs * 4) || result.achieved_rps < 0.9 * rate) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      send({ type: "steps-done", scenario: command.scenario });
      return;
    }
    case "soak": {
      const result = await openLoop(
        command.scenario,
        command.rate,
        command.seconds,
        operation(command.scenario, command.baseUrl),
      );
      send({ type: "soak-done", result });
      return;
    }
    case "sse":
      send({ type: "sse-done", result: await sse(command) });
      return;
    case "phase": {
      let requests = 0;
      if (command.phase === "create") {
        state.created = [];
        for (let i = 0; i < command.count; i++) {
          const pair = state.wallet[i % state.wallet.length];
          if (!pair) throw new Error("no wallet pairs seeded");
          state.created.push({ pair, created: await create(command.baseUrl, pair) });
          requests++;
        }
      } else {
        for (const { pair, created } of state.created) {
          requests += await confirm(command.baseUrl, pair, created, command.method);
        }
      }
      send({ type: "phase-done", requests });
      return;
    }
    case "greet": {
      for (const pair of state.wallet) {
        const res = await call(command.baseUrl, "GET", "/v1/payments?limit=1", { token: pair.sender.token });
        if (res.status !== 200) throw new Error(`greet: ${res.status}`);
        await res.arrayBuffer();
      }
      send({ type: "greeted" });
      return;
    }
    case "exit":
      process.exit(0);
  }
}

process.on("message", (message: Command) => {
  handle(message).catch((err: unknown) => {
    send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
