import type { Deps } from "../deps";
import type { ErrorCode } from "../errors";

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
