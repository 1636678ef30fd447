/** A start-up failure told as one sentence: what went wrong and what to change. Printed alone, never with a stack. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** What a command prints when start-up fails: the sentence, never a stack trace. */
function startupFailureMessage(err: unknown): string {
  if (err instanceof Error && (err.name === "StartupError" || err.name === "ConfigError")) return err.message;
  const reason = err instanceof Error ? err.message : String(err);
  return `Start-up failed: ${reason} (run with LOG_LEVEL=debug for details).`;
}

/** Runs a command: a failure prints one sentence (and the error itself with LOG_LEVEL=debug), exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(startupFailureMessage(err));
    if (process.env.LOG_LEVEL === "debug") console.error(err);
    process.exit(1);
  });
}
