import { describe, expect, it } from "vitest";
import { currencyExponent, formatMoney, minorToDecimalString, parseAmount, pressAmountKey } from "./money";

describe("amounts in minor units", () => {
  it("knows each currency's exponent instead of assuming two decimals", () => {
    expect(currencyExponent("USD")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
  });

  it("formats for the currency and the locale, exactly", () => {
    expect(formatMoney(1234, "USD", "en-US")).toBe("$12.34");
    expect(formatMoney(1234, "JPY", "en-US")).toBe("¥1,234");
    expect(formatMoney(1234, "KWD", "en-US")).toBe("KWD\u00a01.234");
    expect(formatMoney(123456, "EUR", "de-DE")).toBe("1.234,56\u00a0€");
    // A float would print 90071992547409.9 as ...10; the decimal string keeps every digit.
    expect(formatMoney(Number.MAX_SAFE_INTEGER, "USD", "en-US")).toBe("$90,071,992,547,409.91");
    expect(minorToDecimalString(5, 2)).toBe("0.05");
    expect(minorToDecimalString(-1234, 2)).toBe("-12.34");
  });

  it("parses what people type, digit by digit", () => {
    expect(parseAmount("12.34", "USD", "en-US")).toEqual({ ok: true, amountMinor: 1234 });
    expect(parseAmount("12,34", "EUR", "de-DE")).toEqual({ ok: true, amountMinor: 1234 });
    expect(parseAmount("0.1", "USD", "en-US")).toEqual({ ok: true, amountMinor: 10 });
    expect(parseAmount(".5", "USD", "en-US")).toEqual({ ok: true, amountMinor: 50 });
    expect(parseAmount("007", "USD", "en-US")).toEqual({ ok: true, amountMinor: 700 });
    expect(parseAmount("1234", "JPY", "en-US")).toEqual({ ok: true, amountMinor: 1234 });
    expect(parseAmount("1.2345", "KWD", "en-US")).toMatchObject({ ok: false });
    expect(parseAmount("1.5", "JPY", "en-US")).toEqual({ ok: false, reason: "JPY has no smaller unit" });
    expect(parseAmount("1,234", "USD", "en-US")).toMatchObject({ ok: false });
    expect(parseAmount("0", "USD", "en-US")).toEqual({ ok: false, reason: "Enter an amount above zero" });
    expect(parseAmount("", "USD", "en-US")).toEqual({ ok: false, reason: "Enter an amount" });
    expect(parseAmount("1e3", "USD", "en-US")).toMatchObject({ ok: false });
  });

  it("applies keypad presses by the currency's rules", () => {
    const press = (keys: string[], currency = "USD", locale = "en-US") =>
      keys.reduce((text, key) => pressAmountKey(text, key, currency, locale), "");
    expect(press(["1", "2", ".", "3", "4", "5"])).toBe("12.34");
    expect(press([".", "5"])).toBe("0.5");
    expect(press(["0", "0", "7"])).toBe("7");
    expect(press(["1", ".", "."])).toBe("1.");
    expect(press(["1", "2", "Backspace"])).toBe("1");
    expect(press(["1", ".", "5"], "JPY")).toBe("15");
    expect(press(["1", ",", "5"], "EUR", "de-DE")).toBe("1,5");
    expect(press(Array.from({ length: 12 }, () => "9"))).toBe("999999999");
  });
});
