import { ConfigError, parseConfig } from "../src/config";

/** What parseConfig says is wrong with this environment (it must refuse it). */
export function problemsOf(source: Record<string, string>): string[] {
  try {
    parseConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw err;
  }
  throw new Error("expected a ConfigError");
}
