/** The $ sheet: an amount, a memo and who it is for, then Pay or Request (each side its own module). */
import { errorMessage } from "../api";
import type { Thread, User } from "../api-types";
import type { Ctx } from "../context";
import { buttonRow, type Child, errorBox, errorLine, field, h } from "../dom";
import { amountKeypad } from "../keypads";
import { formatMoney, parseAmount } from "../money";
import { Cancelled } from "../sheet";
import { type PaymentDraft, payFromSheet } from "./pay";
import { type RequestDraft, requestFromSheet } from "./request";
import { inSheet } from "./sheet-flow";

type MoneyChoice = PaymentDraft & RequestDraft & { kind: "pay" | "request" };

/** What the form showed last, so going back to it (or an error) keeps what was typed. */
type FormState = { amountText: string; memo: string; currency: string; recipientId: string; error: string | null };

/** The $ sheet: amount keypad, memo, Pay or Request; first-time setup inline when paying. */
export function openMoneySheet(ctx: Ctx, thread: Thread): Promise<void> {
  const others = ctx.store.othersIn(thread);
  const title = thread.kind === "direct" ? `Money with ${ctx.store.threadTitle(thread)}` : "Send or request money";
  return inSheet(ctx, title, async (sheet) => {
    const state: FormState = {
      amountText: "",
      memo: "",
      currency: ctx.config.currencies[0] ?? "USD",
      recipientId: others[0]?.id ?? "",
      error: null,
    };
    const pay = payFromSheet(ctx, sheet, title, thread);
    const request = requestFromSheet(ctx, sheet, title, thread, others);
    for (;;) {
      const choice = await sheet.step<MoneyChoice>(title, (done) =>
        moneyForm(ctx, others, state, (c, text) => {
          state.amountText = text;
          state.memo = c.memo;
          state.currency = c.currency;
          state.recipientId = c.recipientId;
          done(c);
        }),
      );
      state.error = null;
      try {
        if (choice.kind === "request") {
          if (await request(choice)) return;
          continue;
        }
        await pay(choice);
        return;
      } catch (err) {
        if (err instanceof Cancelled) throw err;
        state.error = errorMessage(err);
      }
    }
  });
}

function moneyForm(
  ctx: Ctx,
  others: User[],
  state: FormState,
  submit: (choice: MoneyChoice, amountText: string) => void,
): Child {
  let currency = state.currency;
  const preview = h("output", { className: "amount-preview", attrs: { "aria-live": "polite" } });
  const problem = errorBox();
  const pay = h("button", { type: "submit", className: "primary", value: "pay" }, "Pay");
  // Only Pay submits, so Enter in a field pays (as the primary action) and never sends a request by accident.
  const request = h("button", { type: "button", className: "secondary" }, "Request");
  const update = (text: string) => {
    const parsed = parseAmount(text, currency, ctx.locale);
    preview.textContent = parsed.ok
      ? formatMoney(parsed.amountMinor, currency, ctx.locale)
      : formatMoney(0, currency, ctx.locale);
    pay.disabled = request.disabled = !parsed.ok;
    problem.show(null);
  };
  const { input, keys } = amountKeypad(currency, ctx.locale, update);
  input.value = state.amountText;
  const memo = memoInput(state.memo);
  const currencySelect = currencyPicker(ctx.config.currencies, currency, (chosen) => {
    currency = chosen;
    update(input.value);
  });
  const recipient = recipientPicker(others, state.recipientId);
  const form = h(
    "form",
    { className: "stack money-form" },
    state.error ? errorLine(state.error) : null,
    preview,
    field(`Amount in ${currency}`, input),
    keys,
    ctx.config.currencies.length > 1 ? field("Currency", currencySelect) : null,
    // Only Pay uses it: in a group, Request asks next who to ask and how to split.
    others.length > 1 ? field("Pay to", recipient) : null,
    field("What's it for? (optional)", memo),
    problem,
    buttonRow(request, pay),
  );
  update(input.value);
  const choose = (kind: MoneyChoice["kind"]) => {
    const parsed = parseAmount(input.value, currency, ctx.locale);
    if (!parsed.ok) {
      problem.show(parsed.reason);
      return;
    }
    submit(
      {
        kind,
        amountMinor: parsed.amountMinor,
        currency,
        memo: memo.value.trim(),
        recipientId: recipient.value || (others[0]?.id ?? ""),
      },
      input.value,
    );
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    choose("pay");
  });
  request.addEventListener("click", () => choose("request"));
  return form;
}

function memoInput(value: string): HTMLInputElement {
  return h("input", { type: "text", maxLength: 140, value, autocomplete: "off", placeholder: "Pizza, rent, tickets…" });
}

function currencyPicker(
  currencies: string[],
  selected: string,
  onChange: (currency: string) => void,
): HTMLSelectElement {
  const select = h(
    "select",
    {},
    currencies.map((c) => h("option", { value: c, selected: c === selected }, c)),
  );
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

function recipientPicker(others: User[], selected: string): HTMLSelectElement {
  return h(
    "select",
    {},
    others.map((m) => h("option", { value: m.id, selected: m.id === selected }, m.display_name)),
  );
}
