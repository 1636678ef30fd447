import { PIN_LENGTH } from "../../features/pin/pin-rules";
import { h, uniqueId } from "./dom";
import { decimalSeparator, pressAmountKey } from "./money";

export type PinPad = {
  element: HTMLElement;
  clear(): void;
  setDisabled(disabled: boolean): void;
  focus(): void;
};

const keyButton = (label: string, key: string, ariaLabel?: string) =>
  h(
    "button",
    { type: "button", className: "key", attrs: { "data-key": key, "aria-label": ariaLabel ?? label } },
    label,
  );

/**
 * A six-digit PIN pad: a real password input (type with the keyboard, or paste) and on-screen
 * keys for touch. Reaching six digits hands the PIN over once; the pad then waits to be
 * cleared or re-enabled by whoever checks it.
 */
export function pinPad(label: string, onComplete: (pin: string) => void): PinPad {
  const input = h("input", {
    id: uniqueId("pin"),
    type: "password",
    inputMode: "numeric",
    autocomplete: "off",
    maxLength: PIN_LENGTH,
    pattern: `[0-9]{${PIN_LENGTH}}`,
    className: "pin-input",
    attrs: { "data-autofocus": true, enterkeyhint: "done" },
  });
  let handedOver = false;
  const changed = () => {
    input.value = input.value.replace(/\D/g, "").slice(0, PIN_LENGTH);
    if (input.value.length === PIN_LENGTH && !handedOver) {
      handedOver = true;
      onComplete(input.value);
    }
    if (input.value.length < PIN_LENGTH) handedOver = false;
  };
  input.addEventListener("input", changed);

  const keys = h(
    "div",
    { className: "keypad", attrs: { role: "group", "aria-label": `${label} keypad` } },
    ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => keyButton(d, d)),
    keyButton("Clear", "Clear", "Clear PIN"),
    keyButton("0", "0"),
    keyButton("⌫", "Backspace", "Delete last digit"),
  );
  keys.addEventListener("click", (e) => {
    const key = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-key]")?.dataset.key;
    if (!key || input.disabled) return;
    if (key === "Clear") input.value = "";
    else if (key === "Backspace") input.value = input.value.slice(0, -1);
    else input.value += key;
    changed();
  });

  const element = h(
    "div",
    { className: "pin-pad" },
    h("label", { htmlFor: input.id, className: "pin-label" }, label),
    input,
    keys,
  );
  return {
    element,
    clear() {
      input.value = "";
      handedOver = false;
    },
    setDisabled(disabled) {
      input.disabled = disabled;
      for (const button of keys.querySelectorAll("button")) button.disabled = disabled;
      if (!disabled) input.focus();
    },
    focus() {
      input.focus();
    },
  };
}

/**
 * The amount field of the $ sheet: an input people can type into (inputmode decimal brings up
 * a number keyboard on phones) and a keypad beside it, both going through the same rules.
 */
export function amountKeypad(currency: string, locale: string | undefined, onChange: (text: string) => void) {
  const separator = decimalSeparator(locale);
  const input = h("input", {
    id: uniqueId("amount"),
    type: "text",
    inputMode: "decimal",
    autocomplete: "off",
    className: "amount-input",
    placeholder: `0${separator}00`,
    attrs: { "data-autofocus": true },
  });
  input.addEventListener("input", () => onChange(input.value));
  const keys = h(
    "div",
    { className: "keypad", attrs: { role: "group", "aria-label": "Amount keypad" } },
    ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => keyButton(d, d)),
    keyButton(separator, separator, "Decimal point"),
    keyButton("0", "0"),
    keyButton("⌫", "Backspace", "Delete last digit"),
  );
  keys.addEventListener("click", (e) => {
    const key = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-key]")?.dataset.key;
    if (!key) return;
    input.value = pressAmountKey(input.value, key, currency, locale);
    onChange(input.value);
  });
  return { input, keys };
}
