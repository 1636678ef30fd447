import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHALLENGE_TTL_MS,
  EXPIRED_CHALLENGE_RETENTION_MS,
  OPEN_CHALLENGES_MAX,
} from "../src/features/security/challenges";
import { runSweep } from "../src/sweep";
import { createHarness, type Harness } from "./harness";
import {
  newAuthenticator,
  type Person,
  problemOf,
  registerPasskey,
  registrationOptions,
  TEST_ORIGIN,
  TEST_RP_ID,
} from "./security-helpers";

type DeviceDto = { id: string; name: string; transports: string[]; created_at: string; last_used_at: string | null };

let h: Harness;
let alice: Person;
let mallory: Person;

beforeAll(async () => {
  h = await createHarness();
  [alice, mallory] = await Promise.all([h.signIn("alice"), h.signIn("mallory")]);
});
afterAll(() => h.close());

async function devicesOf(person: Person): Promise<DeviceDto[]> {
  const res = await h.request("GET", "/v1/me/devices", { token: person.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: DeviceDto[] }).items;
}

describe("passkey registration", () => {
  it("offers creation options for this RP that require user verification", async () => {
    const { options, expires_at } = await registrationOptions(h, alice);
    expect(options.rp).toEqual({ id: TEST_RP_ID, name: "chat-pay" });
    expect(options.authenticatorSelection?.userVerification).toBe("required");
    expect(options.attestation).toBe("none");
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(new Date(expires_at).getTime() - h.clock.now().getTime()).toBe(CHALLENGE_TTL_MS);
  });

  it("verifies a real attestation and stores the passkey", async () => {
    const authenticator = newAuthenticator();
    const id = await registerPasskey(h, alice, authenticator, {}, "Alice's phone");
    const [device] = (await devicesOf(alice)).filter((d) => d.id === id);
    expect(device).toMatchObject({ name: "Alice's phone", transports: ["internal", "hybrid"], last_used_at: null });
    const row = await h.db
      .selectFrom("webauthn_credentials")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.credential_id).toBe(authenticator.credentialIds()[0]);
    expect(row.public_key.length).toBeGreaterThan(64); // a COSE EC2 key
    expect(row.counter).toBe(0n);
  });

  it("refuses an authenticator that did not verify the user", async () => {
    const { challenge_id, options } = await registrationOptions(h, alice);
    const credential = await newAuthenticator().register(options, { userVerified: false });
    const res = await h.request("POST", "/v1/me/devices", { token: alice.token, body: { challenge_id, credential } });
    expect(res.status).toBe(422);
    expect(await problemOf(res)).toMatchObject({
      code: "WEBAUTHN_VERIFICATION_FAILED",
      detail: "User verification (biometric or device PIN) is required",
    });
  });

  it("refuses another origin, another RP id, and another challenge", async () => {
    for (const [ceremony, detail] of [
      [{ origin: "https://evil.example" }, "The response came from an origin this service does not accept"],
      [{ rpId: "evil.example" }, "The credential belongs to another relying party"],
      [{ challenge: "A".repeat(43) }, "The response does not answer this challenge"],
    ] as const) {
      const { challenge_id, options } = await registrationOptions(h, alice);
      const credential = await newAuthenticator().register(options, ceremony);
      const res = await h.request("POST", "/v1/me/devices", { token: alice.token, body: { challenge_id, credential } });
      expect(res.status).toBe(422);
      expect(await problemOf(res)).toMatchObject({ code: "WEBAUTHN_VERIFICATION_FAILED", detail });
    }
  });

  it("uses a registration challenge once, and not after five minutes", async () => {
    const { challenge_id, options } = await registrationOptions(h, alice);
    const authenticator = newAuthenticator();
    const credential = await authenticator.register(options);
    const first = await h.request("POST", "/v1/me/devices", { token: alice.token, body: { challenge_id, credential } });
    expect(first.status).toBe(201);
    const again = await h.request("POST", "/v1/me/devices", { token: alice.token, body: { challenge_id, credential } });
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe("CHALLENGE_ALREADY_USED");

    const late = await registrationOptions(h, alice);
    const lateCredential = await newAuthenticator().register(late.options);
    h.clock.advance(CHALLENGE_TTL_MS);
    const expired = await h.request("POST", "/v1/me/devices", {
      token: alice.token,
      body: { challenge_id: late.challenge_id, credential: lateCredential },
    });
    expect(expired.status).toBe(422);
    expect((await problemOf(expired)).code).toBe("CHALLENGE_EXPIRED");
  });

  it("does not let someone else use your challenge", async () => {
    const { challenge_id, options } = await registrationOptions(h, alice);
    const credential = await newAuthenticator().register(options);
    const res = await h.request("POST", "/v1/me/devices", { token: mallory.token, body: { challenge_id, credential } });
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe("CHALLENGE_NOT_FOUND");
  });

  it("keeps at most 32 challenges open per person", async () => {
    const erin = await h.signIn("erin");
    for (let i = 0; i < OPEN_CHALLENGES_MAX; i++) await registrationOptions(h, erin);
    const res = await h.request("POST", "/v1/me/devices/registration-options", { token: erin.token });
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("300");
    expect((await problemOf(res)).code).toBe("CHALLENGE_LIMIT_REACHED");
    h.clock.advance(CHALLENGE_TTL_MS);
    const fresh = await h.signIn("erin");
    await registrationOptions(h, fresh);

    // The sweep forgets expired challenges an hour after they expired.
    expect((await runSweep(h.deps))?.challengesPurged).toBe(0);
    h.clock.advance(EXPIRED_CHALLENGE_RETENTION_MS);
    expect((await runSweep(h.deps))?.challengesPurged).toBeGreaterThanOrEqual(OPEN_CHALLENGES_MAX);
  });

  it("refuses a response that does not parse, naming the field", async () => {
    const { challenge_id } = await registrationOptions(h, alice);
    const res = await h.request("POST", "/v1/me/devices", {
      token: alice.token,
      body: { challenge_id, credential: { id: "not base64url!", rawId: "x", type: "public-key", response: {} } },
    });
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect((problem.errors ?? []).map((e) => e.path)).toContain("credential.id");
  });
});

describe("devices", () => {
  it("lists only your own, and removes one (someone else's answers 404)", async () => {
    const id = await registerPasskey(h, alice, newAuthenticator());
    expect((await devicesOf(mallory)).map((d) => d.id)).not.toContain(id);

    const notYours = await h.request("DELETE", `/v1/me/devices/${id}`, { token: mallory.token });
    expect(notYours.status).toBe(404);
    expect((await problemOf(notYours)).code).toBe("DEVICE_NOT_FOUND");
    expect((await devicesOf(alice)).map((d) => d.id)).toContain(id);

    const removed = await h.request("DELETE", `/v1/me/devices/${id}`, { token: alice.token });
    expect(removed.status).toBe(204);
    expect((await devicesOf(alice)).map((d) => d.id)).not.toContain(id);
    expect((await h.request("DELETE", `/v1/me/devices/${id}`, { token: alice.token })).status).toBe(404);
  });

  it("holds at most ten passkeys per person", async () => {
    const carol = await h.signIn("carol");
    for (let i = 0; i < 10; i++) await registerPasskey(h, carol, newAuthenticator());
    const res = await h.request("POST", "/v1/me/devices/registration-options", { token: carol.token });
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe("DEVICE_LIMIT_REACHED");
  });

  it("excludes passkeys you already have from new registrations", async () => {
    const dave = await h.signIn("dave");
    const authenticator = newAuthenticator();
    await registerPasskey(h, dave, authenticator);
    const { options } = await registrationOptions(h, dave);
    expect(options.excludeCredentials?.map((c) => c.id)).toEqual(authenticator.credentialIds());
    expect(TEST_ORIGIN).toBe(h.config.webauthn.origins[0]);
  });
});
