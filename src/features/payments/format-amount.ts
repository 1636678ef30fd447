import { CURRENCIES, isCurrency } from "../ledger";

/** "12.34 USD": a plain rendering for message bodies; clients format for their locale. */
export function formatAmount(amountMinor: bigint, currency: string): string {
  const exponent = isCurrency(currency) ? CURRENCIES[currency].exponent : 2;
  if (exponent === 0) return `${amountMinor} ${currency}`;
  const scale = 10n ** BigInt(exponent);
  const whole = amountMinor / scale;
  const fraction = (amountMinor % scale).toString().padStart(exponent, "0");
  return `${whole}.${fraction} ${currency}`;
}
