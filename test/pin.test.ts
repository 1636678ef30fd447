import { verify as argon2Verify } from "argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { AppError } from "../src/errors";
import { inReducedLimitsWindow, pinResetAtOf } from "../src/features/pin/reduced-limits";
import { verifyPin } from "../src/features/pin/verify-pin";
import { nodeArgon2id } from "../src/platform/node-pin-hasher";
import { createPinHasher, type PinHasher } from "../src/platform/pin-hasher";
import { createHarness, type Harness, TEST_ENV } from "./harness";
import { newAuthenticator, type Person, problemOf, registerPasskey, setPin } from "./security-helpers";

/** Whether the person's limits are reduced now, read as the payment flow reads it. */
async function reducedNow(userId: string): Promise<boolean> {
  const { resetAt } = await h.db
    .selectNoFrom((eb) => eb.val(pinResetAtOf(h.db, userId)).as("resetAt"))
    .executeTakeFirstOrThrow();
  return inReducedLimitsWindow(resetAt as Date | null, h.clock.now());
}

type PinStatusDto = {
  state: string;
  attempts_remaining: number;
  locked_until: string | null;
  reset_at: string | null;
  reduced_limits_until: string | null;
};

const PIN = "480917";
const OTHER_PIN = "736251";
const WRONG_PIN = "902613";
const MINUTE_MS = 60_000;

let h: Harness;

beforeAll(async () => {
  // Every attempt in the race below must reach the database at once, so give them all a slot.
  h = await createHarness({ PIN_HASH_CONCURRENCY: "32" });
});
afterAll(() => h.close());

let people = 0;
async function personWithPin(pin = PIN): Promise<Person & { handle: string }> {
  people += 1;
  const handle = `pin_person_${people}`;
  const person = await h.signIn(handle);
  expect((await setPin(h, person, pin)).status).toBe(201);
  return { ...person, handle };
}

async function statusOf(person: Person): Promise<PinStatusDto> {
  const res = await h.request("GET", "/v1/me/pin", { token: person.token });
  expect(res.status).toBe(200);
  return (await res.json()) as PinStatusDto;
}

/** The verb the confirmation hook uses: "ok", or the error code it refused with. */
async function check(person: Person, pin: string, deps = h.deps): Promise<string> {
  try {
    await verifyPin(deps, { userId: person.id, pin, purpose: "test" });
    return "ok";
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

async function pinRow(person: Person) {
  return h.db.selectFrom("payment_pins").selectAll().where("user_id", "=", person.id).executeTakeFirstOrThrow();
}

async function eventKinds(person: Person): Promise<string[]> {
  const rows = await h.db
    .selectFrom("security_events")
    .select("kind")
    .where("user_id", "=", person.id)
    .orderBy("seq")
    .execute();
  return rows.map((r) => r.kind);
}

/** Wraps a hasher and counts the verifications that actually ran argon2. */
function countingHasher(inner: PinHasher): { hasher: PinHasher; verifications: () => number } {
  let verifications = 0;
  return {
    hasher: {
      withSlot: (work) =>
        inner.withSlot((hashing) =>
          work({
            hash: (pin) => hashing.hash(pin),
            verify: (pin, stored) => {
              verifications += 1;
              return hashing.verify(pin, stored);
            },
          }),
        ),
    },
    verifications: () => verifications,
  };
}

describe("setting a PIN", () => {
  it("answers not_set before there is one", async () => {
    const person = await h.signIn("no_pin_yet");
    expect(await statusOf(person)).toMatchObject({ state: "not_set", locked_until: null });
    expect(await check(person, PIN)).toBe("PIN_NOT_SET");
  });

  it("takes exactly six digits", async () => {
    const person = await h.signIn("six_digits");
    for (const pin of ["12345", "1234567", "12a456", " 48091", "４８０９１７", ""]) {
      const res = await setPin(h, person, pin);
      expect(res.status, pin).toBe(422);
      const problem = await problemOf(res);
      expect(problem.code).toBe("VALIDATION_FAILED");
      expect((problem.errors ?? []).map((e) => e.path)).toEqual(["new_pin"]);
    }
  });

  it("refuses repeated digits, repeated patterns and ascending or descending runs", async () => {
    const person = await h.signIn("weak_pins");
    for (const pin of ["000000", "777777", "121212", "123123", "123456", "012345", "789012", "654321", "109876"]) {
      const res = await setPin(h, person, pin);
      expect(res.status, pin).toBe(422);
      expect((await problemOf(res)).code, pin).toBe("PIN_TOO_WEAK");
    }
    expect((await statusOf(person)).state).toBe("not_set");
  });

  it("sets a PIN once; changing it needs the current PIN", async () => {
    const person = await h.signIn("changer");
    const first = await setPin(h, person, PIN);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ state: "active", attempts_remaining: 5 });

    const withoutCurrent = await setPin(h, person, OTHER_PIN);
    expect(withoutCurrent.status).toBe(422);
    expect(await problemOf(withoutCurrent)).toMatchObject({
      code: "VALIDATION_FAILED",
      errors: [{ path: "current_pin" }],
    });

    const wrongCurrent = await setPin(h, person, OTHER_PIN, WRONG_PIN);
    expect(wrongCurrent.status).toBe(422);
    expect(await problemOf(wrongCurrent)).toMatchObject({
      code: "PIN_INCORRECT",
      detail: "Incorrect PIN",
      attempts_remaining: 4,
    });

    const changed = await setPin(h, person, OTHER_PIN, PIN);
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ state: "active", attempts_remaining: 5 });
    expect(await check(person, PIN)).toBe("PIN_INCORRECT");
    expect(await check(person, OTHER_PIN)).toBe("ok");
    expect(await eventKinds(person)).toEqual(["pin_set", "pin_failed", "pin_changed", "pin_failed"]);
  });

  it("never shows the PIN or its hash", async () => {
    const person = await personWithPin();
    const text = JSON.stringify(await statusOf(person));
    expect(text).not.toContain(PIN);
    expect(text).not.toContain("argon2");
  });
});

describe("PIN hashes", () => {
  it("are argon2id PHC strings with the default parameters, and need the pepper to verify", async () => {
    const person = await personWithPin();
    const row = await pinRow(person);
    expect(row.pin_hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(true);
    expect(row.pepper_version).toBe(1);
    expect(await argon2Verify(row.pin_hash, PIN)).toBe(false);
    expect(await argon2Verify(row.pin_hash, PIN, { secret: Buffer.from(TEST_ENV.PIN_PEPPER) })).toBe(true);
  });

  it("are redone with new parameters and a new pepper at the next correct PIN", async () => {
    const person = await personWithPin();
    const rotated = createPinHasher(
      {
        params: { memoryKib: 8192, passes: 3, parallelism: 1 },
        pepper: { version: 2, secret: "a-brand-new-pepper-that-is-long-enough-42" },
        previousPeppers: [{ version: 1, secret: TEST_ENV.PIN_PEPPER }],
        maxConcurrent: 2,
        maxQueued: 8,
      },
      nodeArgon2id,
    );
    const deps = { ...h.deps, pinHasher: rotated };
    expect(await check(person, WRONG_PIN, deps)).toBe("PIN_INCORRECT");
    expect((await pinRow(person)).pepper_version).toBe(1);

    expect(await check(person, PIN, deps)).toBe("ok");
    const row = await pinRow(person);
    expect(row.pin_hash.startsWith("$argon2id$v=19$m=8192,t=3,p=1$")).toBe(true);
    expect(row.pepper_version).toBe(2);
    expect(row.failed_attempts).toBe(0);
    expect(await argon2Verify(row.pin_hash, PIN, { secret: Buffer.from(TEST_ENV.PIN_PEPPER) })).toBe(false);
    expect(await check(person, PIN, deps)).toBe("ok");
    expect((await pinRow(person)).pin_hash).toBe(row.pin_hash);
  });
});

describe("PIN lockout", () => {
  it("lets no more than 5 of 20 simultaneous wrong guesses reach hashing, and locks the PIN", async () => {
    const person = await personWithPin();
    const counting = countingHasher(h.deps.pinHasher);
    const app = buildApp({ ...h.deps, pinHasher: counting.hasher });
    const guesses = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.request("/v1/me/pin", {
          method: "PUT",
          headers: { Authorization: `Bearer ${person.token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ new_pin: OTHER_PIN, current_pin: WRONG_PIN }),
        }),
      ),
    );
    const codes = await Promise.all(guesses.map(async (res) => ((await res.json()) as { code: string }).code));
    expect(counting.verifications()).toBe(5);
    expect(codes.filter((c) => c === "PIN_INCORRECT")).toHaveLength(4);
    expect(codes.filter((c) => c === "PIN_LOCKED")).toHaveLength(16);
    expect((await pinRow(person)).failed_attempts).toBe(5);

    const status = await statusOf(person);
    expect(status).toMatchObject({ state: "locked", attempts_remaining: 0 });
    expect(new Date(status.locked_until ?? 0).getTime() - h.clock.now().getTime()).toBe(15 * MINUTE_MS);
    // Even the right PIN waits out the lock.
    expect(await check(person, PIN)).toBe("PIN_LOCKED");
    const kinds = await eventKinds(person);
    expect(kinds.filter((k) => k === "pin_failed")).toHaveLength(5);
    expect(kinds.filter((k) => k === "pin_locked")).toHaveLength(1);
  });

  it("answers a locked PIN with 423, Retry-After and the remaining attempts, until 15 minutes pass", async () => {
    const person = await personWithPin();
    for (let i = 1; i <= 4; i++) {
      const res = await setPin(h, person, OTHER_PIN, WRONG_PIN);
      expect(await problemOf(res)).toMatchObject({ code: "PIN_INCORRECT", attempts_remaining: 5 - i });
    }
    const locking = await setPin(h, person, OTHER_PIN, WRONG_PIN);
    expect(locking.status).toBe(423);
    expect(locking.headers.get("Retry-After")).toBe("900");
    expect(await problemOf(locking)).toMatchObject({ code: "PIN_LOCKED", attempts_remaining: 0 });

    h.clock.advance(15 * MINUTE_MS - 1_000);
    const stillLocked = await setPin(h, person, OTHER_PIN, PIN);
    expect(stillLocked.status).toBe(423);
    expect(stillLocked.headers.get("Retry-After")).toBe("1");

    h.clock.advance(1_000);
    expect((await statusOf(person)).state).toBe("active");
    const afterLock = await setPin(h, person, OTHER_PIN, WRONG_PIN);
    expect(await problemOf(afterLock)).toMatchObject({ code: "PIN_INCORRECT", attempts_remaining: 4 });
    expect(await check(person, PIN)).toBe("ok");
    expect(await statusOf(person)).toMatchObject({ state: "active", attempts_remaining: 5 });
  });

  it("disables the PIN after 10 wrong in a row, until it is reset", async () => {
    const person = await personWithPin();
    for (let i = 0; i < 5; i++) await check(person, WRONG_PIN);
    h.clock.advance(15 * MINUTE_MS);
    for (let i = 0; i < 4; i++) expect(await check(person, WRONG_PIN)).toBe("PIN_INCORRECT");
    const tenth = await setPin(h, person, OTHER_PIN, WRONG_PIN);
    expect(tenth.status).toBe(423);
    expect(tenth.headers.get("Retry-After")).toBeNull();
    expect((await problemOf(tenth)).code).toBe("PIN_DISABLED");

    // Sessions last a day; a disabled PIN stays disabled however long one waits.
    h.clock.advance(20 * 60 * MINUTE_MS);
    expect(await check(person, PIN)).toBe("PIN_DISABLED");
    expect(await statusOf(person)).toMatchObject({ state: "disabled", attempts_remaining: 0 });
    expect((await eventKinds(person)).slice(-2)).toEqual(["pin_failed", "pin_disabled"]);
  });
});

describe("PIN reset", () => {
  async function beginReset(person: Person, proof = "passkey"): Promise<Response> {
    return h.request("POST", "/v1/me/pin/reset-challenges", { token: person.token, body: { proof } });
  }

  it("re-verifies a passkey, sets the new PIN, clears the disable and reduces limits for 24 hours", async () => {
    const person = await personWithPin();
    const authenticator = newAuthenticator();
    const deviceId = await registerPasskey(h, person, authenticator);
    for (let i = 0; i < 5; i++) await check(person, WRONG_PIN);
    h.clock.advance(15 * MINUTE_MS);
    for (let i = 0; i < 5; i++) await check(person, WRONG_PIN);
    expect((await statusOf(person)).state).toBe("disabled");

    const begun = await beginReset(person);
    expect(begun.status).toBe(201);
    const challenge = (await begun.json()) as {
      challenge_id: string;
      proof: string;
      prompt: { options: Parameters<typeof authenticator.assert>[0] };
    };
    expect(challenge.proof).toBe("passkey");
    expect(challenge.prompt.options.userVerification).toBe("required");
    expect(challenge.prompt.options.allowCredentials?.map((c) => c.id)).toEqual(authenticator.credentialIds());

    const unverified = await authenticator.assert(challenge.prompt.options, { userVerified: false });
    const refused = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: challenge.challenge_id, new_pin: OTHER_PIN, response: { credential: unverified } },
    });
    expect(refused.status).toBe(422);
    expect((await problemOf(refused)).code).toBe("WEBAUTHN_VERIFICATION_FAILED");

    const credential = await authenticator.assert(challenge.prompt.options);
    const weak = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: challenge.challenge_id, new_pin: "123456", response: { credential } },
    });
    expect((await problemOf(weak)).code).toBe("PIN_TOO_WEAK");

    const reset = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: challenge.challenge_id, new_pin: OTHER_PIN, response: { credential } },
    });
    expect(reset.status).toBe(200);
    const status = (await reset.json()) as PinStatusDto;
    expect(status).toMatchObject({ state: "active", attempts_remaining: 5, reset_at: h.clock.now().toISOString() });
    expect(status.reduced_limits_until).toBe(new Date(h.clock.now().getTime() + 24 * 60 * MINUTE_MS).toISOString());
    expect(await check(person, PIN)).toBe("PIN_INCORRECT");
    expect(await check(person, OTHER_PIN)).toBe("ok");

    const replay = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: challenge.challenge_id, new_pin: "251736", response: { credential } },
    });
    expect(replay.status).toBe(409);
    expect((await problemOf(replay)).code).toBe("CHALLENGE_ALREADY_USED");

    expect(await reducedNow(person.id)).toBe(true);
    h.clock.advance(24 * 60 * MINUTE_MS - 1);
    expect(await reducedNow(person.id)).toBe(true);
    h.clock.advance(1);
    expect(await reducedNow(person.id)).toBe(false);
    const later = await h.signIn(person.handle);
    expect((await statusOf(later)).reduced_limits_until).toBeNull();

    const reset_event = await h.db
      .selectFrom("security_events")
      .selectAll()
      .where("user_id", "=", person.id)
      .where("kind", "=", "pin_reset")
      .executeTakeFirstOrThrow();
    expect(reset_event.detail).toMatchObject({ proof: "passkey", device_id: deviceId });
    const device = await h.db
      .selectFrom("webauthn_credentials")
      .selectAll()
      .where("id", "=", deviceId)
      .executeTakeFirstOrThrow();
    expect(device.last_used_at).not.toBeNull();
  });

  it("needs a registered passkey, a known proof, and a PIN to reset", async () => {
    const person = await personWithPin();
    const noPasskey = await beginReset(person);
    expect(noPasskey.status).toBe(409);
    expect((await problemOf(noPasskey)).code).toBe("RESET_PROOF_UNAVAILABLE");

    const unknown = await beginReset(person, "carrier_pigeon");
    expect(unknown.status).toBe(422);
    expect(await problemOf(unknown)).toMatchObject({
      code: "VALIDATION_FAILED",
      errors: [{ path: "proof" }],
    });

    const nobody = await h.signIn("reset_without_pin");
    expect((await problemOf(await beginReset(nobody))).code).toBe("PIN_NOT_SET");
    expect(await reducedNow(nobody.id)).toBe(false);
  });

  it("refuses a passkey assertion made for another challenge, or by someone else's passkey", async () => {
    const person = await personWithPin();
    const authenticator = newAuthenticator();
    await registerPasskey(h, person, authenticator);
    const first = (await (await beginReset(person)).json()) as { challenge_id: string; prompt: { options: never } };
    const second = (await (await beginReset(person)).json()) as { challenge_id: string; prompt: { options: never } };
    const forFirst = await authenticator.assert(first.prompt.options);
    const crossed = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: second.challenge_id, new_pin: OTHER_PIN, response: { credential: forFirst } },
    });
    expect(crossed.status).toBe(422);
    expect(await problemOf(crossed)).toMatchObject({
      code: "WEBAUTHN_VERIFICATION_FAILED",
      detail: "The response does not answer this challenge",
    });

    const stranger = await personWithPin();
    const strangerKey = newAuthenticator();
    await registerPasskey(h, stranger, strangerKey);
    const foreign = await strangerKey.assert(second.prompt.options, { credentialId: strangerKey.credentialIds()[0] });
    const res = await h.request("POST", "/v1/me/pin/reset", {
      token: person.token,
      body: { challenge_id: second.challenge_id, new_pin: OTHER_PIN, response: { credential: foreign } },
    });
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe("WEBAUTHN_VERIFICATION_FAILED");
    expect(await check(person, PIN)).toBe("ok");
  });
});

describe("PIN hashing capacity", () => {
  it("answers 429 with Retry-After when every slot and queue place is taken, without counting an attempt", async () => {
    const busy = await createHarness({ PIN_HASH_CONCURRENCY: "1", PIN_HASH_QUEUE_MAX: "0" });
    try {
      const person = await busy.signIn("busy");
      expect((await setPin(busy, person, PIN)).status).toBe(201);
      let release = () => {};
      const held = busy.deps.pinHasher.withSlot(() => new Promise<void>((resolve) => (release = resolve)));

      const res = await setPin(busy, person, OTHER_PIN, WRONG_PIN);
      expect(res.status).toBe(429);
      expect(res.headers.get("Retry-After")).toBe("1");
      expect((await problemOf(res)).code).toBe("PIN_BUSY");
      const row = await busy.db
        .selectFrom("payment_pins")
        .selectAll()
        .where("user_id", "=", person.id)
        .executeTakeFirstOrThrow();
      expect(row.failed_attempts).toBe(0);

      release();
      await held;
      const after = await setPin(busy, person, OTHER_PIN, WRONG_PIN);
      expect(await problemOf(after)).toMatchObject({ code: "PIN_INCORRECT", attempts_remaining: 4 });
    } finally {
      await busy.close();
    }
  });
});
