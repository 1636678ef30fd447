import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { problemsOf } from "./config-helpers";

const SECRET = "x".repeat(32);
const OTHER_SECRET = "y".repeat(32);

describe("PIN and passkey configuration", () => {
  it("defaults to OWASP's argon2id baseline and a passkey demo on localhost", () => {
    const config = parseConfig({ JWT_SECRET: SECRET });
    expect(config.pin).toEqual({
      pepperVersion: 1,
      previousPepper: undefined,
      argon2: { memoryKib: 19_456, passes: 2, parallelism: 1 },
      hashConcurrency: undefined,
      hashQueueMax: 64,
    });
    expect(config.webauthn).toEqual({ rpId: "localhost", rpName: "chat-pay", origins: ["http://localhost:8787"] });
    expect(parseConfig({ JWT_SECRET: SECRET, PORT: "9000" }).webauthn.origins).toEqual(["http://localhost:9000"]);
  });

  it("reads a rotated pepper with its previous version", () => {
    const config = parseConfig({
      JWT_SECRET: SECRET,
      PIN_PEPPER: SECRET,
      PIN_PEPPER_VERSION: "2",
      PIN_PEPPER_PREVIOUS: OTHER_SECRET,
      PIN_PEPPER_PREVIOUS_VERSION: "1",
    });
    expect(config.pin.pepperVersion).toBe(2);
    expect(config.pin.previousPepper).toEqual({ version: 1, secret: OTHER_SECRET });
  });

  it("refuses a previous pepper without a distinct version, and weak argon2 settings", () => {
    expect(problemsOf({ JWT_SECRET: SECRET, PIN_PEPPER_PREVIOUS: OTHER_SECRET })).toEqual([
      expect.stringMatching(/^PIN_PEPPER_PREVIOUS_VERSION: set it together/),
    ]);
    expect(
      problemsOf({ JWT_SECRET: SECRET, PIN_PEPPER_PREVIOUS: OTHER_SECRET, PIN_PEPPER_PREVIOUS_VERSION: "1" }),
    ).toEqual([expect.stringMatching(/^PIN_PEPPER_PREVIOUS_VERSION: must differ/)]);
    expect(problemsOf({ JWT_SECRET: SECRET, PIN_ARGON2_MEMORY_KIB: "1024", PIN_HASH_QUEUE_MAX: "-1" })).toHaveLength(2);
  });

  it("takes several origins, and refuses origins that are not on the RP id", () => {
    const config = parseConfig({
      JWT_SECRET: SECRET,
      WEBAUTHN_RP_ID: "pay.example",
      WEBAUTHN_ORIGINS: "https://pay.example, https://app.pay.example",
    });
    expect(config.webauthn.origins).toEqual(["https://pay.example", "https://app.pay.example"]);
    expect(problemsOf({ JWT_SECRET: SECRET, WEBAUTHN_RP_ID: "pay.example" })).toEqual([
      expect.stringMatching(/^WEBAUTHN_ORIGINS: http:\/\/localhost:8787 is not on WEBAUTHN_RP_ID/),
    ]);
    expect(problemsOf({ JWT_SECRET: SECRET, WEBAUTHN_ORIGINS: "https://localhost/path" })).toEqual([
      expect.stringMatching(/^WEBAUTHN_ORIGINS\.0: must be an origin/),
    ]);
    // Browsers refuse passkeys on IP addresses, so the RP id must be a name.
    expect(problemsOf({ JWT_SECRET: SECRET, WEBAUTHN_RP_ID: "127.0.0.1" })).toContainEqual(
      expect.stringMatching(/^WEBAUTHN_RP_ID: must be a domain name/),
    );
  });
});
