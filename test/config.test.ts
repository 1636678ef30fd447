import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { problemsOf } from "./config-helpers";

const SECRET = "x".repeat(32);

describe("parseConfig", () => {
  it("applies defaults for a local run", () => {
    const config = parseConfig({ JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      env: "development",
      host: "127.0.0.1",
      port: 8787,
      database: { url: undefined, dataDir: "./.data", poolMax: 10 },
      idempotencyKeyTtlHours: 24,
    });
  });

  it("reads overrides", () => {
    const config = parseConfig({
      JWT_SECRET: SECRET,
      PORT: "9000",
      HOST: "0.0.0.0",
      DATABASE_URL: "postgres://u:p@db:5432/pay",
    });
    expect(config.port).toBe(9000);
    expect(config.host).toBe("0.0.0.0");
    expect(config.database.url).toBe("postgres://u:p@db:5432/pay");
  });

  it("names the variable and what is wrong", () => {
    const problems = problemsOf({ JWT_SECRET: SECRET, PORT: "eighty", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" });
    expect(problems.some((p) => p.startsWith("PORT:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("DATABASE_URL:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("LOG_LEVEL:"))).toBe(true);
    expect(problems).toHaveLength(3);
  });

  it("refuses short secrets and a missing way to verify tokens", () => {
    expect(problemsOf({ JWT_SECRET: "short" })).toEqual([expect.stringMatching(/^JWT_SECRET: .*32/)]);
    expect(problemsOf({})).toEqual([expect.stringMatching(/^JWT_SECRET: set JWT_SECRET or JWT_JWKS_URL/)]);
  });

  it("refuses an idempotency window under 24 hours", () => {
    expect(problemsOf({ JWT_SECRET: SECRET, IDEMPOTENCY_KEY_TTL_HOURS: "1" })).toEqual([
      expect.stringMatching(/^IDEMPOTENCY_KEY_TTL_HOURS:/),
    ]);
  });

  it("requires every secret and a database in production", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "DATABASE_URL",
      "JWT_SECRET",
      "PIN_PEPPER",
      "STRIPE_SECRET_KEY",
      "STRIPE_WEBHOOK_SECRET",
    ]);
  });

  it("accepts a JWKS URL instead of a shared secret", () => {
    const config = parseConfig({ JWT_JWKS_URL: "https://chat.example/.well-known/jwks.json" });
    expect(config.auth.jwksUrl).toBe("https://chat.example/.well-known/jwks.json");
    expect(config.auth.jwtSecret).toBeUndefined();
  });
});
