/** SQLSTATEs worth retrying: serialization failure, deadlock, and the server going away. */
const TRANSIENT_CODES = new Set([
  "40001",
  "40P01",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
]);
const TRANSIENT_MESSAGES = /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE|connection error|Client was closed/i;

export const RETRY_ATTEMPTS_MAX = 6;
const BACKOFF_BASE_MS = 5;

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === "string" && TRANSIENT_CODES.has(code)) || TRANSIENT_MESSAGES.test(err.message);
}

/**
 * Runs fn again after a transient database error, with jittered backoff. Only for work that
 * is idempotent as a whole (a commit whose outcome was lost may have happened).
 */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  retryable: (err: unknown) => boolean = isTransient,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= RETRY_ATTEMPTS_MAX || !retryable(err)) throw err;
      const delay = BACKOFF_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
