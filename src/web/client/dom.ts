/**
 * A few lines instead of a framework: elements are built with h(), text always goes in as text
 * (never as HTML, so nothing a person typed can become markup), and each screen keeps its own
 * AbortSignal so its listeners go away with it.
 */
import { errorMessage } from "./api";

export type Child = Node | string | number | null | undefined | false | Child[];

type Writable<T> = { -readonly [K in keyof T]?: T[K] };
type Props<E extends HTMLElement> = Omit<Writable<E>, "style" | "children" | "classList" | "dataset"> & {
  /** Attributes without a property (aria-*, data-*, role...); `false` leaves them out. */
  attrs?: Record<string, string | number | boolean | undefined>;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props<HTMLElementTagNameMap[K]>,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const { attrs, ...properties } = props ?? { attrs: undefined };
  Object.assign(el, properties);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let uniqueCounter = 0;
/** Ids for label/aria wiring. */
export function uniqueId(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A labelled form field: the label is a real <label for>, so screen readers and tests find it by name. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  input.id ||= uniqueId("field");
  const hintEl = hint ? h("small", { className: "hint", id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { className: "field" }, h("label", { htmlFor: input.id }, label), input, hintEl);
}

/** A live region for errors next to a form; empty until something goes wrong. */
export function errorBox(): HTMLElement & { show(message: string | null): void } {
  const box = h("p", { className: "error", hidden: true, attrs: { role: "alert" } });
  return Object.assign(box, {
    show(message: string | null) {
      box.textContent = message ?? "";
      box.hidden = !message;
    },
  });
}

/** Runs a view's work, clearing the error box first and showing in it what went wrong. */
export function guardedBy(errors: ReturnType<typeof errorBox>) {
  return async (work: () => Promise<void>): Promise<void> => {
    errors.show(null);
    try {
      await work();
    } catch (err) {
      errors.show(errorMessage(err));
    }
  };
}

export function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = h("button", { type: "button", className }, label);
  b.addEventListener("click", onClick);
  return b;
}

export function buttonRow(...buttons: HTMLButtonElement[]): HTMLElement {
  return h("div", { className: "button-row" }, buttons);
}

/** An error to show with a step, when there is one. */
export function errorLine(message: string | null): Child {
  return message ? h("p", { className: "error", attrs: { role: "alert" } }, message) : null;
}

/** Disables a button while its work runs, so a double tap cannot send twice. */
export async function busy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function formatDateTime(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatTime(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(new Date(iso));
}
