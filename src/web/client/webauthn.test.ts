import { describe, expect, it } from "vitest";
import { base64UrlToBytes, bytesToBase64Url, toRequestOptions } from "./webauthn";

describe("WebAuthn JSON conversions", () => {
  it("round-trips base64url without padding", () => {
    for (const length of [0, 1, 2, 3, 31, 32, 33]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + 251) % 256);
      const text = bytesToBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect([...base64UrlToBytes(text)]).toEqual([...bytes]);
    }
  });

  it("turns the server's request options into what navigator.credentials.get takes", () => {
    const options = toRequestOptions({
      challenge: "AAEC_-8",
      rpId: "localhost",
      userVerification: "required",
      allowCredentials: [{ id: "qg", type: "public-key", transports: ["internal"] }],
    });
    expect([...new Uint8Array(options.challenge as ArrayBuffer)]).toEqual([0, 1, 2, 255, 239]);
    expect(options.allowCredentials?.[0]?.transports).toEqual(["internal"]);
    expect(options.userVerification).toBe("required");
  });
});
