import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecurityHooks } from "../src/compose";
import type { ChallengeMethod, Confirmable, Deps } from "../src/deps";
import { AppError } from "../src/errors";
import {
  type IssuedConfirmationChallenge,
  issueConfirmationChallenge,
} from "../src/features/confirmation/issue-confirmation-challenge";
import { verifyConfirmation } from "../src/features/confirmation/verify-confirmation";
import { CHALLENGE_TTL_MS, challengeMatches } from "../src/features/security/challenges";
import { withTransaction } from "../src/platform/db";
import { createHarness, type Harness } from "./harness";
import { newAuthenticator, type Person, registerPasskey, setPin } from "./security-helpers";
import type { SoftwareAuthenticator } from "./software-authenticator";

const PIN = "480917";

let h: Harness;
let alice: Person;
let bob: Person;
let authenticator: SoftwareAuthenticator;
let deviceId: string;
let objects = 0;

beforeAll(async () => {
  h = await createHarness();
  [alice, bob] = await Promise.all([h.signIn("alice"), h.signIn("bob")]);
  expect((await setPin(h, alice, PIN)).status).toBe(201);
  authenticator = newAuthenticator({ countSignatures: true });
  deviceId = await registerPasskey(h, alice, authenticator);
});
afterAll(() => h.close());

/** A minimal confirmable, as the payment flow will hand one over. */
function payment(overrides: Partial<Confirmable> = {}): Confirmable {
  objects += 1;
  return {
    kind: "test_payment",
    id: `tpy_${objects}`,
    payerId: alice.id,
    payeeId: bob.id,
    amountMinor: 1234n,
    currency: "USD",
    ...overrides,
  };
}

function webauthnOptions(issued: IssuedConfirmationChallenge): PublicKeyCredentialRequestOptionsJSON {
  const prompt = issued.methods.find((m) => m.name === "webauthn")?.prompt;
  return prompt?.options as PublicKeyCredentialRequestOptionsJSON;
}

/** "ok" with the confirmation, or the code it was refused with. */
async function confirm(
  confirmable: Confirmable,
  challengeId: string,
  method: string,
  response: unknown,
  options: { deps?: Deps; userId?: string } = {},
): Promise<string> {
  try {
    await verifyConfirmation(options.deps ?? h.deps, {
      userId: options.userId ?? alice.id,
      confirmable,
      challengeId,
      method,
      response,
    });
    return "ok";
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe("issuing a confirmation challenge", () => {
  it("binds a single-use 5-minute challenge to the object and lists the accepted methods, biometric first", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    expect(issued.methods.map((m) => m.name)).toEqual(["webauthn", "pin"]);
    expect(issued.expiresAt.getTime() - h.clock.now().getTime()).toBe(CHALLENGE_TTL_MS);
    const options = webauthnOptions(issued);
    expect(options.userVerification).toBe("required");
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual(authenticator.credentialIds());
    expect(issued.methods.find((m) => m.name === "pin")?.prompt).toEqual({});

    const row = await h.db
      .selectFrom("security_challenges")
      .selectAll()
      .where("id", "=", issued.challengeId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ purpose: "confirmation", object_kind: "test_payment", object_id: object.id });
    expect(row.binding_hash).toMatch(/^[0-9a-f]{64}$/);
    // Only a digest is stored, never the challenge itself.
    expect(JSON.stringify(row)).not.toContain(options.challenge);
    expect(await challengeMatches(options.challenge, row.challenge_hash)).toBe(true);
  });

  it("is only for the payer, and needs a PIN or a passkey", async () => {
    const notBobs = await refusal(issueConfirmationChallenge(h.deps, { userId: bob.id, confirmable: payment() }));
    expect(notBobs.code).toBe("CONFIRMABLE_NOT_FOUND");
    const bobs = payment({ payerId: bob.id, payeeId: alice.id });
    const nothing = await refusal(issueConfirmationChallenge(h.deps, { userId: bob.id, confirmable: bobs }));
    expect(nothing.code).toBe("NO_CONFIRMATION_METHOD");
  });
});

describe("confirming with the PIN", () => {
  it("accepts the right PIN once, writes an audit row, and refuses the challenge a second time", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    expect(await confirm(object, issued.challengeId, "pin", { pin: "902613" })).toBe("PIN_INCORRECT");
    // A mistyped PIN does not burn the challenge; the lockout counts the attempts instead.
    expect(await confirm(object, issued.challengeId, "pin", { pin: PIN })).toBe("ok");
    expect(await confirm(object, issued.challengeId, "pin", { pin: PIN })).toBe("CHALLENGE_ALREADY_USED");

    const audit = await h.db
      .selectFrom("security_events")
      .selectAll()
      .where("user_id", "=", alice.id)
      .where("kind", "=", "confirmation_succeeded")
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    expect(audit.detail).toEqual({
      object_kind: "test_payment",
      object_id: object.id,
      method: "pin",
      challenge_id: issued.challengeId,
    });
  });

  it("refuses a malformed answer and an unknown method, naming the field", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const malformed = await refusal(
      verifyConfirmation(h.deps, {
        userId: alice.id,
        confirmable: object,
        challengeId: issued.challengeId,
        method: "pin",
        response: { pin: "12" },
      }),
    );
    expect(malformed.errors).toEqual([{ path: "response.pin", message: expect.any(String) }]);
    expect(await confirm(object, issued.challengeId, "telepathy", {})).toBe("VALIDATION_FAILED");
  });
});

describe("confirming with a passkey", () => {
  it("verifies a real assertion with user verification and records the device's use", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const credential = await authenticator.assert(webauthnOptions(issued));
    expect(await confirm(object, issued.challengeId, "webauthn", { credential })).toBe("ok");
    const device = await h.db
      .selectFrom("webauthn_credentials")
      .selectAll()
      .where("id", "=", deviceId)
      .executeTakeFirstOrThrow();
    expect(device.last_used_at).toEqual(h.clock.now());
    expect(device.counter).toBeGreaterThan(0n);
  });

  it("refuses a replayed assertion", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const credential = await authenticator.assert(webauthnOptions(issued));
    expect(await confirm(object, issued.challengeId, "webauthn", { credential })).toBe("ok");
    expect(await confirm(object, issued.challengeId, "webauthn", { credential })).toBe("CHALLENGE_ALREADY_USED");
    // Nor does it answer a fresh challenge for the same object.
    const fresh = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    expect(await confirm(object, fresh.challengeId, "webauthn", { credential })).toBe("WEBAUTHN_VERIFICATION_FAILED");
  });

  it("refuses an assertion without user verification", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const credential = await authenticator.assert(webauthnOptions(issued), { userVerified: false });
    const err = await refusal(
      verifyConfirmation(h.deps, {
        userId: alice.id,
        confirmable: object,
        challengeId: issued.challengeId,
        method: "webauthn",
        response: { credential },
      }),
    );
    expect(err.code).toBe("WEBAUTHN_VERIFICATION_FAILED");
    expect(err.detail).toBe("User verification (biometric or device PIN) is required");
  });

  it("refuses an assertion over the wrong challenge, and from the wrong origin", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const options = webauthnOptions(issued);
    const otherChallenge = await authenticator.assert(options, { challenge: "B".repeat(43) });
    expect(await confirm(object, issued.challengeId, "webauthn", { credential: otherChallenge })).toBe(
      "WEBAUTHN_VERIFICATION_FAILED",
    );
    const otherOrigin = await authenticator.assert(options, { origin: "https://phish.example" });
    const err = await refusal(
      verifyConfirmation(h.deps, {
        userId: alice.id,
        confirmable: object,
        challengeId: issued.challengeId,
        method: "webauthn",
        response: { credential: otherOrigin },
      }),
    );
    expect(err.detail).toBe("The response came from an origin this service does not accept");
    // None of those used the challenge up.
    const good = await authenticator.assert(options);
    expect(await confirm(object, issued.challengeId, "webauthn", { credential: good })).toBe("ok");
  });

  it("refuses an assertion for another object", async () => {
    const first = payment();
    const second = payment();
    const forFirst = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: first });
    const forSecond = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: second });
    const credential = await authenticator.assert(webauthnOptions(forFirst));
    // The first object's challenge presented for the second object...
    expect(await confirm(second, forFirst.challengeId, "webauthn", { credential })).toBe("CHALLENGE_MISMATCH");
    // ...and the first object's signed challenge against the second object's challenge.
    expect(await confirm(second, forSecond.challengeId, "webauthn", { credential })).toBe(
      "WEBAUTHN_VERIFICATION_FAILED",
    );
  });

  it("refuses once the amount, the payee or the currency changed", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const credential = await authenticator.assert(webauthnOptions(issued));
    for (const changed of [
      { ...object, amountMinor: 1235n },
      { ...object, payeeId: alice.id },
      { ...object, currency: "EUR" },
    ]) {
      expect(await confirm(changed, issued.challengeId, "webauthn", { credential })).toBe("CONFIRMABLE_CHANGED");
      expect(await confirm(changed, issued.challengeId, "pin", { pin: PIN })).toBe("CONFIRMABLE_CHANGED");
    }
    expect(await confirm(object, issued.challengeId, "webauthn", { credential })).toBe("ok");
  });

  it("refuses a challenge after five minutes, and someone else's challenge", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const credential = await authenticator.assert(webauthnOptions(issued));
    expect(await confirm(object, issued.challengeId, "webauthn", { credential }, { userId: bob.id })).toBe(
      "CHALLENGE_NOT_FOUND",
    );
    h.clock.advance(CHALLENGE_TTL_MS);
    expect(await confirm(object, issued.challengeId, "webauthn", { credential })).toBe("CHALLENGE_EXPIRED");
  });
});

describe("confirmation hooks", () => {
  it("uses the challenge up only when the caller's transaction commits", async () => {
    const object = payment();
    const issued = await issueConfirmationChallenge(h.deps, { userId: alice.id, confirmable: object });
    const rolledBack = withTransaction(h.db, async (trx) => {
      await verifyConfirmation(
        h.deps,
        {
          userId: alice.id,
          confirmable: object,
          challengeId: issued.challengeId,
          method: "pin",
          response: { pin: PIN },
        },
        trx,
      );
      throw new Error("the payment could not move, say");
    });
    await expect(rolledBack).rejects.toThrow("could not move");
    expect(await confirm(object, issued.challengeId, "pin", { pin: PIN })).toBe("ok");
  });

  it("lets a policy narrow the methods an object accepts", async () => {
    const biometricOnly = {
      ...h.deps,
      security: createSecurityHooks({
        confirmationPolicy: async (_deps, input) =>
          input.confirmable.amountMinor >= 100_000n ? input.available.filter((m) => m === "webauthn") : input.available,
      }),
    };
    const small = await issueConfirmationChallenge(biometricOnly, { userId: alice.id, confirmable: payment() });
    expect(small.methods.map((m) => m.name)).toEqual(["webauthn", "pin"]);
    const large = payment({ amountMinor: 250_000n });
    const issued = await issueConfirmationChallenge(biometricOnly, { userId: alice.id, confirmable: large });
    expect(issued.methods.map((m) => m.name)).toEqual(["webauthn"]);
    expect(await confirm(large, issued.challengeId, "pin", { pin: PIN }, { deps: biometricOnly })).toBe(
      "CONFIRMATION_METHOD_NOT_ACCEPTED",
    );
  });

  it("takes a third method as one more module registered at start-up", async () => {
    // A toy method: the client proves it saw the challenge by echoing it.
    const echo: ChallengeMethod = {
      name: "echo",
      availableTo: async () => async (challenge) => ({ prompt: { echo: challenge.value } }),
      verify: async (_deps, input) => {
        const echoed = (input.response as { echo?: unknown }).echo;
        if (typeof echoed !== "string" || !(await challengeMatches(echoed, input.challenge.challenge_hash))) {
          throw new AppError("CONFIRMATION_METHOD_NOT_ACCEPTED", { detail: "wrong echo" });
        }
        return { detail: { echoed: true } };
      },
    };
    const deps = { ...h.deps, security: createSecurityHooks({ confirmationMethods: [echo] }) };
    const object = payment();
    const issued = await issueConfirmationChallenge(deps, { userId: alice.id, confirmable: object });
    expect(issued.methods.map((m) => m.name)).toEqual(["echo"]);
    const echoed = issued.methods[0]?.prompt.echo;
    expect(await confirm(object, issued.challengeId, "echo", { echo: "nope" }, { deps })).toBe(
      "CONFIRMATION_METHOD_NOT_ACCEPTED",
    );
    expect(await confirm(object, issued.challengeId, "echo", { echo: echoed }, { deps })).toBe("ok");
    expect(() => createSecurityHooks({ confirmationMethods: [echo, echo] })).toThrow(/Two confirmation methods/);
  });
});
