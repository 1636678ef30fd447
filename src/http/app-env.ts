import type { Config } from "../config";
import type { ErrorCode } from "../errors";
import type { EventStreams } from "../features/events/event-streams";
import type { Ledger } from "../features/ledger/ledger";
import type { SecurityHooks } from "../features/security/security-hooks";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import type { Logger } from "../platform/logger";
import type { PinHasher } from "../platform/pin-hasher";
import type { StripeClient } from "../platform/stripe";
import type { WebClientLoader } from "../web/web-client";

/** What the app is built from; each entry (Node, Workers, tests) supplies its own. */
export type Deps = {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  ledger: Ledger;
  pinHasher: PinHasher;
  /** Confirmation methods, policy, confirmable resolvers and PIN-reset proofs, chosen at start-up. */
  security: SecurityHooks;
  stripe: StripeClient;
  /** Open live-event streams of this process, and the notifier that wakes them. */
  events: EventStreams;
  /** The reference web client served at /, where the runtime can compile it (absent: not served). */
  webClient?: WebClientLoader;
};

/** What building the app reads; the rest of Deps is only used while serving. */
export type BuildDeps = Pick<Deps, "config" | "clock" | "stripe" | "webClient">;

/** What a runtime may pass as the second argument of fetch: this request's own deps. */
export type RequestBindings = { deps?: Deps };

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: Deps;
    userId: string;
    problemCode: ErrorCode;
  };
};
