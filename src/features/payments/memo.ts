/**
 * Runs of 13 to 19 digits, allowing up to three of any separator people (or someone hiding a
 * number) put between them: spaces, dashes, dots, slashes, commas...
 */
const CANDIDATE = /(?:\d[^\p{L}\d]{0,3}){12,18}\d/gu;
/** Invisible characters a number can hide behind (zero-width spaces and joiners, format marks). */
const INVISIBLE = /\p{Cf}/gu;

/** Whether text contains something that passes the Luhn check as a card number: memos must never carry one. */
export function containsCardNumber(text: string): boolean {
  // NFKC turns fullwidth, circled and other compatibility digits into 0-9.
  const plain = text.normalize("NFKC").replace(INVISIBLE, "");
  for (const match of plain.matchAll(CANDIDATE)) {
    const digits = match[0].replace(/\D/g, "");
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return true;
  }
  return false;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
