import type { Config } from "../config";
import type { ErrorCode } from "../errors";
import type { Ledger } from "../features/ledger/ledger";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import type { Logger } from "../platform/logger";

/** What the app is built from; each entry (Node, Workers, tests) supplies its own. */
export type Deps = {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  ledger: Ledger;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: Deps;
    userId: string;
    problemCode: ErrorCode;
  };
};
