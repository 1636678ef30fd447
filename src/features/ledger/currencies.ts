/**
 * Currencies the ledger accepts, with their ISO 4217 minor-unit exponent and the largest
 * single transfer. Code never assumes two decimals: it asks this table.
 */
export const CURRENCIES = {
  USD: { exponent: 2, maxAmountMinor: 10n ** 13n },
  EUR: { exponent: 2, maxAmountMinor: 10n ** 13n },
  JPY: { exponent: 0, maxAmountMinor: 10n ** 11n },
  KWD: { exponent: 3, maxAmountMinor: 10n ** 13n },
} as const;

export type CurrencyCode = keyof typeof CURRENCIES;

export function isCurrency(code: string): code is CurrencyCode {
  return Object.hasOwn(CURRENCIES, code);
}
