import pg from "pg";
import { expect } from "vitest";
import { EMULATOR_PARTNER_ID, emulatorCredentials, emulatorPartner } from "../src/bank-emulator/partner";
import { type RunningBankEmulator, serveBankEmulator } from "../src/bank-emulator/serve";
import { createHarness, type Harness } from "./harness";
import type { Person } from "./payment-helpers";
import { createTestClock } from "./test-clock";

export const BANK_SECRET = "test-bank-emulator-secret-long-enough-0123456789";
export const BANK_TOKEN_KEY = "test-bank-token-key-that-is-long-enough-0123456789";
export const WEBHOOK_PATH = `/v1/banks/${EMULATOR_PARTNER_ID}/webhook`;
export const ALL_SCOPES = ["balances", "transaction_alerts", "fraud_alerts"] as const;

type App = Pick<Harness["app"], "request">;

export type BankHarness = Harness & {
  bank: RunningBankEmulator;
  /** Where the emulator delivers its webhooks (the harness's app unless a test swaps in its own). */
  deliverTo(app: App): void;
};

/** The harness with a bank emulator on loopback registered as its partner, on the same hand-moved clock. */
export async function createBankHarness(env: Record<string, string> = {}): Promise<BankHarness> {
  const clock = createTestClock();
  let target: App | undefined;
  const bank = await serveBankEmulator({
    port: 0,
    clock,
    ...emulatorCredentials(BANK_SECRET),
    deliver: async (payload, headers) => {
      if (!target) return 503;
      return (await target.request(WEBHOOK_PATH, { method: "POST", headers, body: payload })).status;
    },
  });
  const h = await createHarness(
    {
      BANK_PARTNERS: JSON.stringify([emulatorPartner(bank.url, BANK_SECRET)]),
      BANK_TOKEN_KEYS: BANK_TOKEN_KEY,
      ...env,
    },
    { clock },
  );
  target = h.app;
  return {
    ...h,
    bank,
    deliverTo: (app) => {
      target = app;
    },
    close: async () => {
      await bank.close();
      await h.close();
    },
  };
}

export type LinkDto = {
  id: string;
  status: string;
  scopes: string[];
  thread_id: string | null;
  disclosure: string;
  purpose: string;
  granted_at: string | null;
  expires_at: string | null;
  ended_at: string | null;
  ended_by: string | null;
};

export type Started = { link: LinkDto; authorization_url: string };

let keys = 0;
export const idempotencyKey = () => ({ "Idempotency-Key": `bank-${keys++}-${Date.now()}` });

export async function startLinking(h: BankHarness, person: Person, scopes: readonly string[] = ALL_SCOPES) {
  const res = await h.request("POST", "/v1/bank-links", {
    token: person.token,
    body: { partner_id: EMULATOR_PARTNER_ID, scopes },
    headers: idempotencyKey(),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Started;
}

/** What the person does at the bank: opens the approval screen, signs in as a persona, approves (or denies). */
export async function approveAtBank(
  authorizationUrl: string,
  persona = "alex",
  decision: "approve" | "deny" = "approve",
): Promise<URLSearchParams> {
  const page = await fetch(authorizationUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) {
    form.set(
      match[1] ?? "",
      (match[2] ?? "").replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))),
    );
  }
  form.set("persona", persona);
  form.set("password", "anything");
  form.set("decision", decision);
  const answer = await fetch(new URL("/oauth/authorize", authorizationUrl), {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location") ?? "").searchParams;
}

export function callback(h: BankHarness, person: Person, params: URLSearchParams | Record<string, string>) {
  const body = Object.fromEntries(params instanceof URLSearchParams ? params.entries() : Object.entries(params));
  return h.request("POST", "/v1/bank-links/callback", { token: person.token, body, headers: idempotencyKey() });
}

/** Links the bank for the person all the way (consent, approval at the bank, back); returns the active link. */
export async function linkBank(
  h: BankHarness,
  person: Person,
  options: { scopes?: readonly string[]; persona?: string } = {},
): Promise<LinkDto> {
  const started = await startLinking(h, person, options.scopes);
  const params = await approveAtBank(started.authorization_url, options.persona);
  const res = await callback(h, person, params);
  expect(res.status, await res.clone().text()).toBe(200);
  const link = (await res.json()) as LinkDto;
  expect(link.status).toBe("active");
  return link;
}

/** The bank's consent behind a link (the emulator's view). */
export function consentOf(h: BankHarness, persona: string) {
  const consents = h.bank.control.consents().filter((c) => c.persona === persona);
  return consents.at(-1);
}

export type MessageDto = { id: string; sender_id: string; body: string; kind: string };

export async function messagesOf(h: Harness, person: Person, threadId: string): Promise<MessageDto[]> {
  const res = await h.request("GET", `/v1/threads/${threadId}/messages?limit=100`, { token: person.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: MessageDto[] }).items;
}

/** Every webhook the emulator sent so far has been attempted (retries aside). */
export const delivered = (h: BankHarness) => h.bank.control.webhooks.idle();

/**
 * Every row of every table in the database (found through information_schema, not a list),
 * searched for each needle as text and as the hex of its bytes (how bytea shows); returns
 * `table: needle` for each hit.
 */
export async function rowsHolding(databaseUrl: string, needles: readonly string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    expect(tables.rows.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select t::text as row from "${table_name}" t`);
      for (const needle of needles) {
        const hex = Buffer.from(needle, "utf8").toString("hex");
        if (rows.rows.some((r) => r.row.includes(needle) || r.row.toLowerCase().includes(hex))) {
          hits.push(`${table_name}: ${needle}`);
        }
      }
    }
    return hits;
  } finally {
    await client.end();
  }
}
