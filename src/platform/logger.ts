import { type DestinationStream, type Logger, pino } from "pino";

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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}
