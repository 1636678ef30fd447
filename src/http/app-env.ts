import type { Deps } from "../deps";
import type { ErrorCode } from "../errors";
import type { Claim } from "./idempotency.repository";

/** What a runtime may pass as the second argument of fetch: this request's own deps. */
export type RequestBindings = { deps?: Deps };

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: Deps;
    userId: string;
    /** The roles the bearer token grants (its `roles` claim). */
    roles: readonly string[];
    problemCode: ErrorCode;
    /** Set for routes that keep their Idempotency-Key in their own transaction (keepInTransaction). */
    idempotencyClaim?: Claim;
    /** Set by the route that closed the person's account: the auth middleware forgets it has recorded them. */
    accountClosed?: boolean;
  };
};
