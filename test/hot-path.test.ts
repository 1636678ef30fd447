import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fundWallets } from "./fund-wallets";
import { createHarness, type Harness } from "./harness";
import { type Created, confirmWithPasskey, directThread, type Person, sendOk } from "./payment-helpers";
import { newAuthenticator, registerPasskey } from "./security-helpers";
import type { SoftwareAuthenticator } from "./software-authenticator";

/**
 * The payment's hot path at the database: creating a payment and confirming it with a passkey
 * are one transaction each (Idempotency-Key included), nothing runs outside them, and neither makes more round trips than
 * its budget (every statement the app sends is watched on its way to Postgres, on every
 * connection).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

type Statement = { text: string; client: object };

/** Each statement sent while fn runs, in order, with the connection it went on. */
async function statementsOf(fn: () => Promise<void>): Promise<Statement[]> {
  const seen: Statement[] = [];
  const query = pg.Client.prototype.query;
  const watched = function (this: pg.Client, ...args: Parameters<typeof query>) {
    const [config] = args;
    seen.push({ text: typeof config === "string" ? config : (config as { text: string }).text, client: this });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = watched as typeof query;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = query;
  }
  return seen;
}

/** Transactions as Postgres counts them: each begin..commit, and each statement outside one. */
function transactions(statements: Statement[]): number {
  const open = new Set<object>();
  let count = 0;
  for (const { text, client } of statements) {
    const verb = text.trim().toLowerCase();
    if (verb === "begin") {
      open.add(client);
      count++;
    } else if (verb === "commit" || verb === "rollback") open.delete(client);
    else if (!open.has(client)) count++;
  }
  return count;
}

let alice: Person;
let bob: Person;
let thread: string;
let authenticator: SoftwareAuthenticator;
beforeAll(async () => {
  alice = { ...(await h.signIn("alice")), handle: "alice" };
  bob = { ...(await h.signIn("bob")), handle: "bob" };
  authenticator = newAuthenticator();
  await registerPasskey(h, alice, authenticator);
  await fundWallets(h.databaseUrl, [alice.id]);
  thread = await directThread(h, alice, bob);
  // Bob's wallet exists from here on, as it does for anyone paid before.
  await confirm(await sendOk(h, alice, thread, bob, 100));
});

async function confirm(created: Created, key: string | null = null): Promise<void> {
  const res = await confirmWithPasskey(h, alice, created, authenticator, key);
  expect(res.status, await res.clone().text()).toBe(200);
}

/**
 * Round trips each request may make, begin and commit included: what they make today. A change
 * that adds one to the hot path fails here; raise a budget only knowing what the trip buys.
 */
const STATEMENTS_MAX = { create: 20, confirm: 19 };
/** What keeping an Idempotency-Key in the transaction adds: lock it, read it, store the answer. */
const KEPT_KEY_STATEMENTS = 3;

it("creates a payment in one transaction, within its round-trip budget", async () => {
  const statements = await statementsOf(async () => {
    await sendOk(h, alice, thread, bob, 700);
  });
  expect(transactions(statements)).toBe(1);
  expect(statements.length).toBeLessThanOrEqual(STATEMENTS_MAX.create);
});

it("confirms a wallet payment with a passkey in one transaction, the money moved in it", async () => {
  const created = await sendOk(h, alice, thread, bob, 700);
  const statements = await statementsOf(() => confirm(created));
  expect(transactions(statements)).toBe(1);
  expect(statements.length).toBeLessThanOrEqual(STATEMENTS_MAX.confirm);
  expect(statements.some((s) => s.text.includes("insert into ledger_transfers"))).toBe(true);
});

it("keeps a confirmation's Idempotency-Key in that one transaction", async () => {
  const created = await sendOk(h, alice, thread, bob, 700);
  const statements = await statementsOf(() => confirm(created, "hot-path-confirm"));
  expect(transactions(statements)).toBe(1);
  expect(statements.length).toBeLessThanOrEqual(STATEMENTS_MAX.confirm + KEPT_KEY_STATEMENTS);
  expect(statements.some((s) => s.text.includes('insert into "idempotency_keys"'))).toBe(true);
});
