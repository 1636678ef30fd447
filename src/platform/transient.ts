/** SQLSTATEs of a conflict between transactions: serialization failure, deadlock. */
const CONFLICT_CODES = new Set(["40001", "40P01"]);
/** SQLSTATEs of the server going away (shutdown, crash, restart, a dropped connection). */
const SERVER_GONE_CODES = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);
const SERVER_GONE_MESSAGES = /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE|connection error|Client was closed/i;
/** Not worth retrying at once, but the database will take work again shortly: too many connections, no pooled connection free in time. */
const BUSY_CODES = new Set(["53300"]);
const BUSY_MESSAGES = /timeout exceeded when trying to connect|ETIMEDOUT|the database system is starting up/i;

const sqlState = (err: Error): string => {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : "";
};

function isServerGone(err: Error): boolean {
  return SERVER_GONE_CODES.has(sqlState(err)) || SERVER_GONE_MESSAGES.test(err.message);
}

/**
 * A prepared statement's plan gone stale: its result columns changed since it was prepared (a
 * migration ran). Its connection is then closed (see createDb), so the next try prepares it afresh.
 */
export function isStalePlan(err: unknown): boolean {
  return err instanceof Error && sqlState(err) === "0A000" && /cached plan/.test(err.message);
}

/** The database cannot take work right now (down, restarting, failing over, no connection free, a plan gone stale). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return isServerGone(err) || BUSY_CODES.has(sqlState(err)) || BUSY_MESSAGES.test(err.message) || isStalePlan(err);
}

/** Worth running again at once: a conflict with another transaction, or a connection that died. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return CONFLICT_CODES.has(sqlState(err)) || isServerGone(err);
}

/**
 * A row this transaction deletes is referenced by one another transaction committed meanwhile
 * (foreign key violation): the deletion lost a race, and may be tried again once that is seen.
 */
export function isForeignKeyViolation(err: unknown): boolean {
  return err instanceof Error && sqlState(err) === "23503";
}

export const RETRY_ATTEMPTS_MAX = 6;
const BACKOFF_BASE_MS = 5;

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
