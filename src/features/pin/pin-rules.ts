import { AppError } from "../../errors";

export const PIN_LENGTH = 6;
export const PIN_PATTERN = /^[0-9]{6}$/;
/** Blocks of this many digits or fewer repeated to fill the PIN (111111, 121212, 123123) are refused. */
const REPEATED_BLOCK_MAX = 3;
const DIGITS = 10;

/** Why this 6-digit PIN is too easy to guess, or undefined when it is acceptable. */
export function pinWeakness(pin: string): string | undefined {
  const digits = Array.from(pin, Number);
  if (digits.every((d) => d === digits[0])) return "must not be one digit repeated";
  for (let block = 2; block <= REPEATED_BLOCK_MAX; block++) {
    if (PIN_LENGTH % block === 0 && pin === pin.slice(0, block).repeat(PIN_LENGTH / block)) {
      return "must not be a short pattern repeated";
    }
  }
  // Runs wrap around (789012, 210987): people type them the same way.
  if (isRun(digits, 1)) return "must not be ascending digits";
  if (isRun(digits, DIGITS - 1)) return "must not be descending digits";
  return undefined;
}

function isRun(digits: number[], step: number): boolean {
  return digits.every((d, i) => i === 0 || d === ((digits[i - 1] ?? 0) + step) % DIGITS);
}

/** PIN_TOO_WEAK naming the field, when the PIN is one of the easily guessed ones. */
export function requireStrongPin(pin: string, path: string): void {
  const weakness = pinWeakness(pin);
  if (weakness)
    throw new AppError("PIN_TOO_WEAK", { detail: `The PIN ${weakness}`, errors: [{ path, message: weakness }] });
}
