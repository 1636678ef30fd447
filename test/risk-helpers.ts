import { expect } from "vitest";
import { signSessionToken } from "../src/http/auth";
import { type Harness, TEST_JWT_SECRET } from "./harness";

/** A risk operator's bearer token (the configured role in its `roles` claim); signing in records them. */
export async function operatorToken(h: Harness, id = "ops_reviewer"): Promise<string> {
  return signSessionToken(TEST_JWT_SECRET, id, h.clock.now(), 86_400, { roles: [h.config.risk.operatorRole] });
}

/** Sets a person's verification tier through the review API, as the chat product would. */
export async function setTier(h: Harness, person: { id: string }, tier: "unverified" | "verified"): Promise<void> {
  const res = await h.request("PUT", `/v1/risk/people/${person.id}`, {
    token: await operatorToken(h),
    body: { tier, reason: "identity checked by the chat product" },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}
