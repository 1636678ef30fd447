import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { createLogger } from "../src/platform/logger";
import { createHarness, type Harness, TEST_ENV } from "./harness";
import { newAuthenticator, type Person, registerPasskey, registrationOptions, setPin } from "./security-helpers";

type EventDto = { id: string; kind: string; detail: Record<string, unknown>; created_at: string };
type EventPage = { items: EventDto[]; next_cursor: string | null };

const PIN = "480917";
const NEW_PIN = "736251";
const WRONG_PIN = "902613";

let h: Harness;
let alice: Person;
let bob: Person;

beforeAll(async () => {
  h = await createHarness();
  [alice, bob] = await Promise.all([h.signIn("alice"), h.signIn("bob")]);
});
afterAll(() => h.close());

async function eventsPage(person: Person, query = ""): Promise<EventPage> {
  const res = await h.request("GET", `/v1/me/security-events${query}`, { token: person.token });
  expect(res.status).toBe(200);
  return (await res.json()) as EventPage;
}

describe("security events", () => {
  it("record every PIN and device change, newest first, for their owner only, without secrets", async () => {
    expect((await setPin(h, alice, PIN)).status).toBe(201);
    expect((await setPin(h, alice, NEW_PIN, WRONG_PIN)).status).toBe(422);
    expect((await setPin(h, alice, NEW_PIN, PIN)).status).toBe(200);
    const deviceId = await registerPasskey(h, alice, newAuthenticator(), {}, "Work laptop");
    expect((await h.request("DELETE", `/v1/me/devices/${deviceId}`, { token: alice.token })).status).toBe(204);

    const page = await eventsPage(alice);
    expect(page.items.map((e) => e.kind)).toEqual([
      "device_removed",
      "device_added",
      "pin_changed",
      "pin_failed",
      "pin_set",
    ]);
    expect(page.items[0]?.detail).toEqual({ device_id: deviceId, name: "Work laptop" });
    expect(page.items[3]?.detail).toEqual({ purpose: "change", failed_attempts: 1 });
    expect(page.next_cursor).toBeNull();
    const row = await h.db
      .selectFrom("payment_pins")
      .select("pin_hash")
      .where("user_id", "=", alice.id)
      .executeTakeFirstOrThrow();
    const text = JSON.stringify(page);
    for (const secret of [PIN, NEW_PIN, WRONG_PIN, TEST_ENV.PIN_PEPPER, row.pin_hash, "argon2"]) {
      expect(text).not.toContain(secret);
    }

    expect((await eventsPage(bob)).items).toEqual([]);
  });

  it("page with a cursor", async () => {
    const first = await eventsPage(alice, "?limit=2");
    expect(first.items).toHaveLength(2);
    expect(first.next_cursor).not.toBeNull();
    const second = await eventsPage(alice, `?limit=2&cursor=${first.next_cursor}`);
    const third = await eventsPage(alice, `?limit=2&cursor=${second.next_cursor}`);
    expect([...first.items, ...second.items, ...third.items].map((e) => e.kind)).toEqual([
      "device_removed",
      "device_added",
      "pin_changed",
      "pin_failed",
      "pin_set",
    ]);
    expect(third.next_cursor).toBeNull();
    const bad = await h.request("GET", "/v1/me/security-events?cursor=nonsense", { token: alice.token });
    expect(bad.status).toBe(422);
  });

  it("are written in the same transaction as the change: a refused change leaves no event", async () => {
    const before = (await eventsPage(alice)).items.length;
    // Weak PINs, malformed bodies and replays change nothing, so they record nothing.
    expect((await setPin(h, alice, "123456", NEW_PIN)).status).toBe(422);
    const { challenge_id, options } = await registrationOptions(h, alice);
    const credential = await newAuthenticator().register(options, { userVerified: false });
    expect(
      (await h.request("POST", "/v1/me/devices", { token: alice.token, body: { challenge_id, credential } })).status,
    ).toBe(422);
    expect((await eventsPage(alice)).items.length).toBe(before);
  });
});

describe("logs", () => {
  it("never carry a PIN, the pepper, a PIN hash or a challenge", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = buildApp({ ...h.deps, logger: createLogger("trace", sink) });
    const carol = await h.signIn("carol");
    const send = (method: string, path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: { Authorization: `Bearer ${carol.token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    expect((await send("PUT", "/v1/me/pin", { new_pin: PIN })).status).toBe(201);
    expect((await send("PUT", "/v1/me/pin", { new_pin: NEW_PIN, current_pin: WRONG_PIN })).status).toBe(422);
    const options = (await (await send("POST", "/v1/me/devices/registration-options")).json()) as {
      challenge_id: string;
      options: Parameters<ReturnType<typeof newAuthenticator>["register"]>[0];
    };
    const credential = await newAuthenticator().register(options.options);
    expect((await send("POST", "/v1/me/devices", { challenge_id: options.challenge_id, credential })).status).toBe(201);

    const row = await h.db
      .selectFrom("payment_pins")
      .select("pin_hash")
      .where("user_id", "=", carol.id)
      .executeTakeFirstOrThrow();
    const log = lines.join("");
    expect(log).toContain("PIN_INCORRECT");
    for (const secret of [PIN, NEW_PIN, WRONG_PIN, TEST_ENV.PIN_PEPPER, row.pin_hash, options.options.challenge]) {
      expect(log).not.toContain(secret);
    }
  });
});
