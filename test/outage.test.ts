import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_RETRY_AFTER_SECONDS } from "../src/http/problem";
import { createDb } from "../src/platform/db";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/platform/embedded-postgres";
import { migrateToLatest } from "../src/platform/migrate";
import { runSweep } from "../src/sweep";
import { freePort } from "./free-port";
import { createHarness, type Harness } from "./harness";
import {
  type Created,
  directThread,
  expectMoneyAccountedFor,
  type Person,
  PIN,
  sender,
  warningsOf,
} from "./payment-helpers";

/**
 * Postgres stopped (fast shutdown: every connection cut) while people are paying, then started
 * again: requests answer 503 with Retry-After meanwhile, the service recovers by itself, and
 * retries with the same Idempotency-Key finish every payment exactly once.
 */
const WORKERS = 3;
const PAYMENTS_PER_WORKER = 6;
/** How long a client keeps retrying one request; far beyond a restart of a local Postgres. */
const RETRY_DEADLINE_MS = 60_000;
const RETRY_PAUSE_MS = 50;

let dir: string;
let port: number;
let postgres: EmbeddedPostgres;
let h: Harness;
let alice: Person;
let bob: Person;
let threadId: string;

const PASSWORD = "outage-test-only";
const start = () =>
  startEmbeddedPostgres({ dir: path.join(dir, "postgres"), port, password: PASSWORD, settings: { fsync: "off" } });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-outage-"));
  await chmod(dir, 0o755);
  port = await freePort();
  postgres = await start();
  const migrator = createDb(postgres.url, 1);
  await migrateToLatest(migrator);
  await migrator.destroy();
  h = await createHarness({}, { database: { url: postgres.url, drop: async () => {} } });
  alice = await sender(h, "alice");
  bob = await sender(h, "bob", null);
  threadId = await directThread(h, alice, bob);
});

afterAll(async () => {
  await h?.close();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Seen = { unavailable: Response[]; inUse: number; other: string[] };

/** Sends until the answer is not a 503 (the database is back), as a client honouring Retry-After would. */
async function untilAnswered(seen: Seen, call: () => Promise<Response>): Promise<Response> {
  const deadline = Date.now() + RETRY_DEADLINE_MS;
  for (;;) {
    const res = await call();
    if (res.status === 409 && ((await res.clone().json()) as { code: string }).code === "IDEMPOTENCY_KEY_IN_USE") {
      seen.inUse++;
    } else if (res.status !== 503) {
      return res;
    } else {
      seen.unavailable.push(res);
    }
    if (Date.now() > deadline) throw new Error(`still ${res.status} after ${RETRY_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
}

/** One person paying, each payment created and confirmed with retries under its own keys. */
async function payRepeatedly(worker: number, seen: Seen, onProgress: () => void): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < PAYMENTS_PER_WORKER; i++) {
    const key = `outage-${worker}-${i}`;
    const created = await untilAnswered(seen, () =>
      h.request("POST", `/v1/threads/${threadId}/payments`, {
        token: alice.token,
        headers: { "Idempotency-Key": key },
        body: { recipient_id: bob.id, amount_minor: 100 + worker, currency: "USD" },
      }),
    );
    if (created.status !== 201 && created.status !== 200) seen.other.push(`create ${created.status}`);
    const answer = (await created.json()) as Created;
    const { payment, confirmation } = answer;
    ids.push(payment.id);
    let challengeId = confirmation?.challenge_id;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!challengeId) {
        const fresh = await untilAnswered(seen, () =>
          h.request("POST", `/v1/payments/${payment.id}/confirmation`, { token: alice.token }),
        );
        if (fresh.status === 409) break;
        challengeId = ((await fresh.json()) as { challenge_id: string }).challenge_id;
      }
      const confirmed = await untilAnswered(seen, () =>
        h.request("POST", `/v1/payments/${payment.id}/confirm`, {
          token: alice.token,
          headers: { "Idempotency-Key": `confirm-${key}-${attempt}` },
          body: {
            challenge_id: challengeId,
            method: "pin",
            response: { pin: PIN },
            acknowledged_warnings: warningsOf(answer),
          },
        }),
      );
      if (confirmed.status === 200) break;
      // The first try may have used the challenge up before the outage cut its answer.
      const code = ((await confirmed.json()) as { code: string }).code;
      if (code !== "CHALLENGE_ALREADY_USED") seen.other.push(`confirm ${confirmed.status} ${code}`);
      challengeId = undefined;
    }
    onProgress();
  }
  return ids;
}

describe("a database outage under load", () => {
  it("answers 503 with Retry-After while Postgres is down, recovers by itself, and finishes every payment once", async () => {
    const seen: Seen = { unavailable: [], inUse: 0, other: [] };
    let done = 0;
    let outage: Promise<void> | undefined;
    let readyWhileDown: Response | undefined;
    const onProgress = () => {
      done++;
      // A third of the way in, stop Postgres under the running workers, then start it again.
      if (done === Math.floor((WORKERS * PAYMENTS_PER_WORKER) / 3)) {
        outage = (async () => {
          await postgres.stop();
          readyWhileDown = await h.request("GET", "/readyz");
          const threads = await h.request("GET", "/v1/threads", { token: alice.token });
          seen.unavailable.push(threads);
          postgres = await start();
        })();
      }
    };

    const ids = (
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => payRepeatedly(w, seen, onProgress)))
    ).flat();
    await outage;

    expect(readyWhileDown?.status).toBe(503);
    expect(readyWhileDown?.headers.get("Retry-After")).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
    expect(seen.unavailable.length).toBeGreaterThan(0);
    for (const res of seen.unavailable) {
      expect(res.status).toBe(503);
      expect(res.headers.get("Retry-After")).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
      expect(((await res.json()) as { code: string }).code).toBe("DATABASE_UNAVAILABLE");
    }
    // A retry after the outage was never blocked by its own first attempt's claim.
    expect(seen.inUse).toBe(0);
    expect(seen.other).toEqual([]);
    expect((await h.request("GET", "/readyz")).status).toBe(200);

    // Every key made exactly one payment, and every payment was confirmed and charged once.
    expect(new Set(ids).size).toBe(WORKERS * PAYMENTS_PER_WORKER);
    const payments = await h.db.selectFrom("payments").selectAll().where("sender_id", "=", alice.id).execute();
    expect(payments).toHaveLength(WORKERS * PAYMENTS_PER_WORKER);
    await runSweep(h.deps);
    await expectMoneyAccountedFor(h);
    const settled = await h.db.selectFrom("payments").select("status").where("sender_id", "=", alice.id).execute();
    expect(settled.map((p) => p.status)).toEqual(settled.map(() => "awaiting_recipient"));
    const intents = new Set(payments.map((p) => p.payment_intent_id));
    expect(intents.size).toBe(payments.length);
    const inFlight = await h.db.selectFrom("idempotency_keys").selectAll().where("state", "=", "in_flight").execute();
    expect(inFlight).toEqual([]);
  });
});
