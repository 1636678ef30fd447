import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { WebClientBundle, WebClientLoader } from "../web/web-client";

const CLIENT_DIR = fileURLToPath(new URL("../web/client/", import.meta.url));

/**
 * Compiles the reference client's TypeScript with esbuild in memory, on first use, once per
 * process: `npm start` and the tests serve it without a build step anyone must remember.
 * A failed compilation is not kept, so the next request tries again.
 */
export function createEsbuildWebClient(): WebClientLoader {
  let bundle: Promise<WebClientBundle> | undefined;
  return () => {
    bundle ??= compile().catch((err: unknown) => {
      bundle = undefined;
      throw err;
    });
    return bundle;
  };
}

async function compile(): Promise<WebClientBundle> {
  const [result, html, styles] = await Promise.all([
    build({
      entryPoints: [path.join(CLIENT_DIR, "main.ts")],
      tsconfig: path.join(CLIENT_DIR, "tsconfig.json"),
      bundle: true,
      format: "esm",
      platform: "browser",
      // What evergreen browsers of the last two years run natively; nothing is polyfilled.
      target: ["es2022", "chrome111", "firefox113", "safari16.4"],
      charset: "utf8",
      legalComments: "none",
      write: false,
      logLevel: "silent",
    }),
    readFile(path.join(CLIENT_DIR, "index.html"), "utf8"),
    readFile(path.join(CLIENT_DIR, "styles.css"), "utf8"),
  ]);
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error("esbuild produced no output for the web client");
  return { html, script, styles };
}
