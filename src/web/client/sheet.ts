import { type Child, h, replace, uniqueId } from "./dom";

/** The person closed the sheet: flows stop quietly. */
export class Cancelled extends Error {
  constructor() {
    super("Cancelled");
    this.name = "Cancelled";
  }
}

const FOCUSABLE = "input:not([disabled]), select:not([disabled]), button:not([disabled])";

/**
 * A modal bottom sheet (a <dialog>: focus stays inside, Escape closes it) that runs a flow as
 * a sequence of awaited steps: each step shows its content and resolves with what the person
 * chose. Closing the sheet rejects the current step with Cancelled. It belongs to the page it
 * was opened on: leaving that page (`closeWith` aborts) closes it.
 */
export class Sheet {
  private readonly dialog: HTMLDialogElement;
  private readonly heading: HTMLHeadingElement;
  private readonly notice: HTMLParagraphElement;
  private readonly body: HTMLDivElement;
  /** Every step still waiting: closing the sheet settles them all, so no flow hangs. */
  private readonly waiting = new Set<(err: Error) => void>();
  private isClosed = false;

  constructor(title: string, closeWith: AbortSignal) {
    const headingId = uniqueId("sheet-title");
    this.heading = h("h2", { id: headingId }, title);
    this.notice = h("p", { className: "sheet-notice", hidden: true, attrs: { role: "status" } });
    this.body = h("div", { className: "sheet-body" });
    const close = h("button", { type: "button", className: "icon-button", attrs: { "aria-label": "Close" } }, "×");
    close.addEventListener("click", () => this.close());
    this.dialog = h(
      "dialog",
      { className: "sheet", attrs: { "aria-labelledby": headingId } },
      h("header", { className: "sheet-header" }, this.heading, close),
      this.notice,
      this.body,
    );
    this.dialog.addEventListener("close", () => {
      this.isClosed = true;
      for (const reject of this.waiting) reject(new Cancelled());
      this.waiting.clear();
      this.dialog.remove();
    });
    document.body.append(this.dialog);
    this.dialog.showModal();
    if (closeWith.aborted) this.close();
    else closeWith.addEventListener("abort", () => this.close(), { once: true });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Says something went right (a card added), above the steps that follow, so the person sees it
   * while the flow goes on; the next success replaces it.
   */
  succeeded(message: string): void {
    this.notice.textContent = message;
    this.notice.hidden = false;
  }

  /** Shows content that needs no answer (progress, a result). */
  show(title: string, ...content: Child[]): void {
    if (this.isClosed) return;
    this.heading.textContent = title;
    replace(this.body, ...content);
    this.focusFirst();
  }

  /** Shows a step and waits for it: `done` resolves it with the person's answer. */
  step<T>(title: string, build: (done: (value: T) => void) => Child): Promise<T> {
    if (this.isClosed) return Promise.reject(new Cancelled());
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      this.show(
        title,
        build((value) => {
          this.waiting.delete(reject);
          resolve(value);
        }),
      );
    });
  }

  close(): void {
    if (!this.isClosed) this.dialog.close();
  }

  private focusFirst(): void {
    const target =
      this.body.querySelector<HTMLElement>("[data-autofocus]:not([disabled])") ??
      this.body.querySelector<HTMLElement>(FOCUSABLE);
    target?.focus();
  }
}
