import http from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSessionToken } from "../src/http/auth";
import { createHarness, type Harness, TEST_JWT_SECRET } from "./harness";

const key = new TextEncoder().encode(TEST_JWT_SECRET);
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const listThreads = (token: string) => h.request("GET", "/v1/threads", { token });

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function expectUnauthenticated(res: Response) {
  expect(res.status).toBe(401);
  expect(((await res.json()) as { code: string }).code).toBe("UNAUTHENTICATED");
}

describe("bearer tokens", () => {
  it("accepts a valid HS256 token and records the person", async () => {
    const token = await signSessionToken(TEST_JWT_SECRET, "chat-user-1", h.clock.now(), 600);
    expect((await listThreads(token)).status).toBe(200);
    const user = await h.db.selectFrom("users").selectAll().where("id", "=", "chat-user-1").executeTakeFirst();
    expect(user).toMatchObject({ id: "chat-user-1", handle: null });
  });

  it("refuses a missing or malformed Authorization header", async () => {
    await expectUnauthenticated(await h.request("GET", "/v1/threads"));
    await expectUnauthenticated(await h.request("GET", "/v1/threads", { headers: { Authorization: "Basic abc" } }));
    await expectUnauthenticated(await listThreads("not-a-jwt"));
  });

  it("refuses an expired token, judged by the injected clock", async () => {
    const token = await signSessionToken(TEST_JWT_SECRET, "chat-user-2", h.clock.now(), 60);
    expect((await listThreads(token)).status).toBe(200);
    h.clock.advance(61_000);
    await expectUnauthenticated(await listThreads(token));
  });

  it("refuses a token signed with another key", async () => {
    const token = await signSessionToken("another-secret-that-is-also-long-enough!!", "u", h.clock.now(), 600);
    await expectUnauthenticated(await listThreads(token));
  });

  it("refuses alg none", async () => {
    const now = Math.floor(h.clock.now().getTime() / 1000);
    const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "mallory", exp: now + 600 })}.`;
    await expectUnauthenticated(await listThreads(token));
  });

  it("refuses other algorithms even with the right secret", async () => {
    const now = Math.floor(h.clock.now().getTime() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS512" })
      .setSubject("u")
      .setExpirationTime(now + 600)
      .sign(key);
    await expectUnauthenticated(await listThreads(token));
  });

  it("requires exp and sub", async () => {
    const now = Math.floor(h.clock.now().getTime() / 1000);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u").sign(key);
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(now + 600)
      .sign(key);
    await expectUnauthenticated(await listThreads(noExp));
    await expectUnauthenticated(await listThreads(noSub));
  });
});

describe("JWKS", () => {
  let server: http.Server;
  let jwks: Harness;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256");
    privateKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    server = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    jwks = await createHarnessWithJwks(`http://127.0.0.1:${address.port}/jwks.json`);
  });
  afterAll(async () => {
    await jwks.close();
    await new Promise((resolve) => server.close(resolve));
  });

  async function createHarnessWithJwks(url: string) {
    return createHarness({ JWT_JWKS_URL: url, JWT_ISSUER: "https://chat.example" });
  }

  it("accepts a token signed by a key from the JWKS URL, with the configured issuer", async () => {
    const now = Math.floor(jwks.clock.now().getTime() / 1000);
    const sign = (issuer: string) =>
      new SignJWT({ name: "Carol" })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setSubject("carol")
        .setIssuer(issuer)
        .setExpirationTime(now + 600)
        .sign(privateKey);
    const ok = await jwks.request("GET", "/v1/threads", { token: await sign("https://chat.example") });
    expect(ok.status).toBe(200);
    const user = await jwks.db.selectFrom("users").selectAll().where("id", "=", "carol").executeTakeFirst();
    expect(user?.display_name).toBe("Carol");
    const wrongIssuer = await jwks.request("GET", "/v1/threads", { token: await sign("https://evil.example") });
    expect(wrongIssuer.status).toBe(401);
  });
});
