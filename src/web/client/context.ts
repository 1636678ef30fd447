import type { PageConfig } from "../page-config";
import type { Api } from "./api";
import type { Store } from "./store";

/** What every screen and flow works with. */
export type Ctx = {
  api: Api;
  store: Store;
  config: PageConfig;
  /** The person's locale for amounts and dates (the browser's). */
  locale: string | undefined;
  /** A short message in the polite live region. */
  announce(message: string): void;
  navigate(hash: string): void;
  /** Aborted when the person leaves the page on screen (or the session ends): what was opened over it closes. */
  viewSignal(): AbortSignal;
};
