/** The compiled reference client: one page, one script, one stylesheet. */
export type WebClientBundle = {
  /** index.html with a `<!--page-config-->` marker where the page configuration goes. */
  html: string;
  script: string;
  styles: string;
};

/**
 * Produces the bundle (compiled on first use and kept). Runtime-specific: the Node entry and
 * the test harness compile the TypeScript with esbuild (src/platform/web-client-esbuild.ts).
 */
export type WebClientLoader = () => Promise<WebClientBundle>;

export const PAGE_CONFIG_MARKER = "<!--page-config-->";
