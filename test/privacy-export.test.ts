import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DATA_MAP } from "../src/features/privacy/data-map";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { newId } from "../src/platform/ids";
import { enrollTestCard } from "./cards-helpers";
import { footprint } from "./footprint";
import { createHarness, type Harness } from "./harness";
import {
  confirmWithPin,
  directThread,
  expectMoneyAccountedFor,
  type Person,
  PIN,
  sender,
  sendOk,
  settle,
} from "./payment-helpers";
import { setTier } from "./risk-helpers";
import { newAuthenticator, registerPasskey } from "./security-helpers";

/**
 * The export: after a PIN or passkey step-up, everything the service holds about the person,
 * checked against the database itself (every table, every row that names them), nothing about
 * anyone else, no secret, and answered once without being kept.
 */

type Archive = {
  format: string;
  person_id: string;
  tables: Record<
    string,
    { retention: string; rows: Record<string, unknown>[]; rows_about_you?: Record<string, unknown>[] }
  >;
  statement_csv: string;
};
type Started = { export_id: string; confirmation: { challenge_id: string; methods: { method: string }[] } };

let h: Harness;
let alice: Person;
let bob: Person;
let carol: Person;
const aliceMemo = `alice-pays-bob-${newId("m")}`;
const carolMemo = `=SUM(1,2) bob-pays-carol-${newId("m")}`;
let bobToCarol: string;

beforeAll(async () => {
  h = await createHarness();
  alice = await sender(h, "alice_export", "mastercard_debit");
  bob = await sender(h, "bob_export", null);
  carol = await sender(h, "carol_export", null);
  expect((await enrollTestCard(h, bob, "visa_debit", { payout: true })).status).toBe(201);
  expect((await enrollTestCard(h, carol, "visa_debit", { payout: true })).status).toBe(201);
  await registerPasskey(h, alice, newAuthenticator(), {}, "Alice's laptop");
  const aliceBob = await directThread(h, alice, bob);
  const paid = await sendOk(h, alice, aliceBob, bob, 2500, aliceMemo);
  expect((await confirmWithPin(h, alice, paid)).status).toBe(200);
  await h.request("POST", `/v1/threads/${aliceBob}/messages`, { token: alice.token, body: { body: "thanks!" } });
  await h.request("POST", `/v1/threads/${aliceBob}/requests`, {
    token: bob.token,
    body: { amount_minor: 800, currency: "USD", memo: "=cmd|' /C calc'!A0" },
  });
  // Bob reports Alice (she sees that she was reported, never by whom), and an operator sets her tier.
  const report = await h.request("POST", `/v1/people/${alice.id}/reports`, {
    token: bob.token,
    headers: { "Idempotency-Key": "report-alice" },
    body: { thread_id: aliceBob, reason: "abuse", note: "bob-wrote-this-note" },
  });
  expect(report.status, await report.clone().text()).toBe(201);
  await setTier(h, alice, "verified");
  const bobCarol = await directThread(h, bob, carol);
  const toCarol = await sendOk(h, bob, bobCarol, carol, 4100, carolMemo);
  expect((await confirmWithPin(h, bob, toCarol)).status).toBe(200);
  bobToCarol = toCarol.payment.id;
  await h.request("POST", `/v1/threads/${bobCarol}/messages`, { token: carol.token, body: { body: "carol-only" } });
  await h.request("PUT", "/v1/me/privacy", {
    token: alice.token,
    body: { requests_from: "people_i_paid", threads_from: "everyone" },
  });
  await settle(h);
});
afterAll(() => h.close());
afterEach(() => expectMoneyAccountedFor(h));

const start = async (who: Person): Promise<Started> => {
  const res = await h.request("POST", "/v1/me/exports", { token: who.token });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Started;
};
const download = (who: Person, started: Started, pin = PIN, headers: Record<string, string> = {}) =>
  h.request("POST", `/v1/me/exports/${started.export_id}/download`, {
    token: who.token,
    headers,
    body: { challenge_id: started.confirmation.challenge_id, method: "pin", response: { pin } },
  });

/**
 * For each table, the rows with a column whose value is the id: what the database holds about
 * the person (a copy of something else that mentions them inside its text, like another
 * person's live event about a thread they share, is that other person's).
 */
async function rowsNaming(id: string): Promise<Record<string, Record<string, unknown>[]>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(h.db);
  const found: Record<string, Record<string, unknown>[]> = {};
  for (const { name } of tables) {
    const { rows } = await sql<Record<string, unknown>>`
      select * from ${sql.table(name)} as t
      where exists (select 1 from jsonb_each_text(to_jsonb(t)) as kv where kv.value = ${id})`.execute(h.db);
    if (rows.length > 0) found[name] = rows;
  }
  return found;
}

const keyOf = (row: Record<string, unknown>, columns: readonly string[]) =>
  columns.map((c) => String(row[c] instanceof Date ? (row[c] as Date).toISOString() : row[c])).join("|");

describe("the export", () => {
  it("needs the step-up: a wrong PIN gets no archive, and nothing is made before", async () => {
    const started = await start(alice);
    expect(started.confirmation.methods.map((m) => m.method)).toEqual(["webauthn", "pin"]);
    const wrong = await download(alice, started, "111111");
    expect(wrong.status).toBe(422);
    expect(wrong.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
    expect(((await wrong.json()) as { code: string }).code).toBe("PIN_INCORRECT");
  });

  it("holds every row of every table that names the person, is answered once, and is not kept", async () => {
    const started = await start(alice);
    const res = await download(alice, started, PIN, { "Idempotency-Key": "export-1" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const archive = (await res.json()) as Archive;
    expect(archive).toMatchObject({ format: "chat-pay.export.v1", person_id: alice.id });

    const naming = await rowsNaming(alice.id);
    expect(Object.keys(naming).length).toBeGreaterThan(8);
    for (const [table, rows] of Object.entries(naming)) {
      const entry = DATA_MAP[table];
      expect(entry?.about, `${table} names the person but the data map says it is not about people`).toBe("person");
      if (entry?.about !== "person") continue;
      const exported = [...(archive.tables[table]?.rows ?? []), ...(archive.tables[table]?.rows_about_you ?? [])];
      const keys = entry.key.filter((k) => entry.exported.includes(k));
      if (keys.length === 0) {
        expect(exported.length, table).toBeGreaterThanOrEqual(rows.length);
        continue;
      }
      const have = new Set(exported.map((r) => keyOf(r, keys)));
      for (const row of rows) expect(have.has(keyOf(row, keys)), `${table} row ${keyOf(row, keys)}`).toBe(true);
    }
    // Rows found through other tables (a payment's audit through the payment) are there too.
    for (const table of ["payment_audit", "cards", "webauthn_credentials", "consents", "security_events"]) {
      expect(archive.tables[table]?.rows.length ?? 0, table).toBeGreaterThan(0);
      expect(archive.tables[table]?.retention, table).toBeTruthy();
    }
    expect(archive.tables.cards?.rows[0]).toMatchObject({ brand: "mastercard", last4: "8210" });
    expect(archive.tables.webauthn_credentials?.rows[0]).toMatchObject({ name: "Alice's laptop" });
    expect(archive.tables.payment_pins?.rows[0]).toHaveProperty("failed_attempts");
    // A report about her and an operator's decision about her: what and when, not who.
    expect(archive.tables.risk_reports?.rows_about_you).toEqual([expect.objectContaining({ reason: "abuse" })]);
    expect(archive.tables.risk_reports?.rows_about_you?.[0]).not.toHaveProperty("reporter_id");
    expect(archive.tables.risk_operator_actions?.rows_about_you?.[0]).not.toHaveProperty("operator_id");

    // Delivered once: the challenge is used up; and nothing kept the answer.
    const again = await download(alice, started, PIN, { "Idempotency-Key": "export-1" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe("CHALLENGE_ALREADY_USED");
    const kept = await h.db.selectFrom("idempotency_keys").select("key").where("user_id", "=", alice.id).execute();
    expect(kept.map((k) => k.key)).not.toContain("export-1");
  });

  it("holds nothing about anyone else and no secret", async () => {
    const started = await start(alice);
    const text = await (await download(alice, started)).text();
    const secrets = await h.db
      .selectFrom("cards")
      .select(["payment_method_id", "fingerprint"])
      .where("user_id", "=", alice.id)
      .executeTakeFirstOrThrow();
    const pin = await h.db
      .selectFrom("payment_pins")
      .select("pin_hash")
      .where("user_id", "=", alice.id)
      .executeTakeFirstOrThrow();
    for (const other of [
      carol.id,
      "carol_export",
      carolMemo,
      bobToCarol,
      "carol-only",
      "5556",
      "bob-wrote-this-note",
    ]) {
      expect(text, other).not.toContain(other);
    }
    for (const secret of [PIN, pin.pin_hash, "$argon2id$", secrets.payment_method_id, secrets.fingerprint]) {
      expect(text, "a secret").not.toContain(secret);
    }
    const archive = JSON.parse(text) as Archive;
    for (const row of archive.tables.payments?.rows ?? [])
      expect([row.sender_id, row.recipient_id]).toContain(alice.id);
    for (const row of archive.tables.messages?.rows ?? []) expect(row).not.toHaveProperty("sender_id");
  });

  it("gives a CSV statement of the person's payments, safe to open in a spreadsheet", async () => {
    const started = await start(alice);
    const archive = (await (await download(alice, started)).json()) as Archive;
    const lines = archive.statement_csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("date,payment_id,direction,other_person_id,other_person,amount,status,memo");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,sent,${bob.id},bob_export,-25.00 USD,`);
    expect(lines[1]?.endsWith(`,${aliceMemo}`)).toBe(true);

    const bobs = (await (await download(bob, await start(bob))).json()) as Archive;
    const request = bobs.tables.payment_requests?.rows[0];
    expect(request?.memo).toBe("=cmd|' /C calc'!A0");
    expect(bobs.statement_csv.split("\r\n")).toHaveLength(4);
    // A memo a spreadsheet would run as a formula is quoted and defused.
    expect(bobs.statement_csv).toContain(`,sent,${carol.id},carol_export,-41.00 USD,`);
    expect(bobs.statement_csv).toContain(`"'${carolMemo}"\r\n`);
    // The ledger, found through his wallet: the money he received and paid out.
    expect(bobs.tables.ledger_accounts?.rows.map((r) => r.purpose)).toContain("wallet");
    expect(bobs.tables.ledger_transfers?.rows.length ?? 0).toBeGreaterThan(1);
  });

  it("refuses bad input and other people's exports, changing nothing", async () => {
    const mine = await start(alice);
    const before = await footprint(h.db);
    const bad: [string, unknown][] = [
      [`/v1/me/exports/${mine.export_id}/download`, {}],
      [`/v1/me/exports/${mine.export_id}/download`, { challenge_id: "nope", method: "pin", response: { pin: PIN } }],
      ["/v1/me/exports/exp_x/download", { challenge_id: mine.confirmation.challenge_id, method: "pin", response: {} }],
      [`/v1/me/exports/${mine.export_id}/download`, { ...mine.confirmation, method: "pin", response: {}, extra: 1 }],
    ];
    for (const [path, body] of bad) {
      const res = await h.request("POST", path, { token: alice.token, body });
      expect(res.status, path).toBe(422);
      expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
    }
    // Another export id with a real challenge: the challenge was issued for something else.
    const elsewhere = await h.request("POST", `/v1/me/exports/exp_8d2k1m0c7x4v9t3r6p5n2b1a0q/download`, {
      token: alice.token,
      body: { challenge_id: mine.confirmation.challenge_id, method: "pin", response: { pin: PIN } },
    });
    expect(((await elsewhere.json()) as { code: string }).code).toBe("CHALLENGE_MISMATCH");
    // Someone else's export and challenge: not found, and their PIN's attempts untouched.
    const stolen = await download(carol, mine);
    expect(stolen.status).toBe(404);
    expect(((await stolen.json()) as { code: string }).code).toBe("CHALLENGE_NOT_FOUND");
    expect(await footprint(h.db)).toEqual(before);
  });
});
