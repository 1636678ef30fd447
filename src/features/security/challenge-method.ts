import type { z } from "@hono/zod-openapi";
import type { SecurityChallenge } from "../../../db/schema";
import { AppError } from "../../errors";
import type { Deps } from "../../http/app-env";
import type { Trx } from "../../platform/db";
import type { FreshChallenge } from "./challenges";
import type { AuditDetail } from "./security-events.repository";

export type JsonObject = { [key: string]: unknown };

/**
 * One way for a person to answer a challenge: a confirmation method (`pin`, `webauthn`) or a
 * PIN-reset proof of possession (`passkey`, later `card`). Each is a module registered at
 * start-up (security-hooks.ts); nothing else in the code names them.
 */
export type ChallengeMethod = {
  /** The stable name clients send and challenges record. */
  readonly name: string;
  /** Whether this person can answer with it right now (has a PIN, has a passkey...). */
  isAvailable(deps: Deps, userId: string): Promise<boolean>;
  /** What the client needs to prompt (e.g. WebAuthn request options); context is kept with the challenge for verify. */
  begin(
    deps: Deps,
    input: { userId: string; challenge: FreshChallenge },
  ): Promise<{ prompt?: JsonObject; context?: Record<string, string> }>;
  /** Checks the client's response against the stored challenge; throws an AppError when it does not hold. */
  verify(
    deps: Deps,
    input: { userId: string; challenge: SecurityChallenge; context: Record<string, string>; response: unknown },
  ): Promise<ChallengeVerification>;
};

export type ChallengeVerification = {
  /** Facts safe for the audit row (a device id), never a secret. */
  detail: AuditDetail;
  /** Writes that must commit together with the challenge being used up (e.g. a passkey's signature counter). */
  commit?: (trx: Trx) => Promise<void>;
};

/** Validates a method's response with its own schema; failures name fields under `path`. */
export function parseMethodResponse<T extends z.ZodType>(schema: T, response: unknown, path: string): z.infer<T> {
  const result = schema.safeParse(response);
  if (result.success) return result.data;
  throw new AppError("VALIDATION_FAILED", {
    errors: result.error.issues.map((issue) => ({
      path: [path, ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  });
}

/** The method with this name, or a validation error listing the names there are. */
export function pickMethod<T extends ChallengeMethod>(methods: readonly T[], name: string, path: string): T {
  const method = methods.find((m) => m.name === name);
  if (method) return method;
  throw new AppError("VALIDATION_FAILED", {
    errors: [{ path, message: `must be one of: ${methods.map((m) => m.name).join(", ")}` }],
  });
}
