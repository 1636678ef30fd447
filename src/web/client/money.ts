/**
 * Amounts travel as integers in the currency's minor unit (1234 is $12.34; JPY has none, KWD
 * three). Nothing here goes through a binary float: typed amounts are parsed digit by digit,
 * and formatting hands Intl an exact decimal string.
 */

/** The largest amount the keypad lets anyone type, in major units' digits (the server has its own limits). */
const MAX_INTEGER_DIGITS = 9;

/** Digits after the decimal point for this currency (ISO 4217 exponent), as Intl knows it. */
export function currencyExponent(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** The locale's decimal separator ("." in en-US, "," in de-DE). */
export function decimalSeparator(locale: string | undefined): string {
  const part = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal");
  return part?.value ?? ".";
}

/** "1234" with exponent 2 -> "12.34"; exact for any safe integer. */
export function minorToDecimalString(amountMinor: number, exponent: number): string {
  const negative = amountMinor < 0;
  const digits = Math.abs(amountMinor)
    .toString()
    .padStart(exponent + 1, "0");
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? "" : `.${digits.slice(-exponent)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** $12.34, 12,34 $, ¥1,234... for the person's locale. */
export function formatMoney(amountMinor: number, currency: string, locale?: string): string {
  const exponent = currencyExponent(currency);
  const format = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // Intl formats a decimal string exactly (ES2023 Intl.NumberFormat v3), so no float rounding creeps in.
  return format.format(minorToDecimalString(amountMinor, exponent) as `${number}`);
}

export type ParsedAmount = { ok: true; amountMinor: number } | { ok: false; reason: string };

/**
 * Reads what a person typed ("12.34", "12,34" in a comma locale, "12", ".5") into minor units.
 * Grouping separators are refused rather than guessed at: "1,234" could mean either.
 */
export function parseAmount(text: string, currency: string, locale?: string): ParsedAmount {
  const exponent = currencyExponent(currency);
  const separator = decimalSeparator(locale);
  const normalized = text.trim().replace(separator, ".");
  if (normalized === "") return { ok: false, reason: "Enter an amount" };
  const match = /^(\d*)(?:\.(\d*))?$/.exec(normalized);
  if (!match) return { ok: false, reason: "Use digits and at most one decimal point" };
  const whole = (match[1] ?? "").replace(/^0+(?=\d)/, "");
  const fraction = match[2] ?? "";
  if (fraction.length > exponent) {
    return {
      ok: false,
      reason: exponent === 0 ? `${currency} has no smaller unit` : `At most ${exponent} digits after the decimal point`,
    };
  }
  if (whole.length > MAX_INTEGER_DIGITS) return { ok: false, reason: "That amount is too large" };
  const amountMinor = Number(`${whole || "0"}${fraction.padEnd(exponent, "0")}`);
  if (amountMinor <= 0) return { ok: false, reason: "Enter an amount above zero" };
  return { ok: true, amountMinor };
}

/**
 * One keypad press applied to the amount typed so far: digits (no more fraction digits than the
 * currency has), one decimal point, and backspace. Returns the new text, or the old one when
 * the key cannot apply.
 */
export function pressAmountKey(text: string, key: string, currency: string, locale?: string): string {
  const exponent = currencyExponent(currency);
  const separator = decimalSeparator(locale);
  if (key === "Backspace") return text.slice(0, -1);
  const [whole = "", fraction] = text.split(separator);
  if (key === separator || key === ".") {
    if (exponent === 0 || fraction !== undefined) return text;
    return `${whole === "" ? "0" : whole}${separator}`;
  }
  if (!/^\d$/.test(key)) return text;
  if (fraction !== undefined) return fraction.length < exponent ? text + key : text;
  if (whole === "0") return key;
  return whole.length < MAX_INTEGER_DIGITS ? text + key : text;
}
