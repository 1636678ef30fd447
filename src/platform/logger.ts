import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger };

/**
 * Belt and braces: log lines are built from allowlisted fields (see http/request-log.ts),
 * and these paths are censored if anything sensitive is ever passed to the logger anyway.
 */
const REDACTED_PATHS = [
  "authorization",
  "cookie",
  "*.authorization",
  "*.cookie",
  "*.headers",
  "*.pin",
  "*.current_pin",
  "*.new_pin",
  "*.card_number",
  "*.number",
  "*.cvc",
  "*.token",
  "*.secret",
  "*.client_secret",
  "*.password",
];

/**
 * Node writes JSON lines. Workers get pino's browser build (the bundler picks it), which logs
 * objects through console.* and redacts only in object mode, hence `browser.asObject`.
 */
export const loggerOptions = (level: string): LoggerOptions => ({
  level,
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  browser: { asObject: true },
});

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(loggerOptions(level), destination);
}
