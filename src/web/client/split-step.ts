import type { User } from "./api-types";
import type { Ctx } from "./context";
import { button, buttonRow, field, h, uniqueId } from "./dom";
import { decimalSeparator, formatMoney, parseAmount } from "./money";
import type { Sheet } from "./sheet";
import { equalSplit, leftToAssign } from "./split";

/** What a group request asks for, as the API takes it. */
export type SplitBody =
  | { payer_ids: string[]; include_self: boolean }
  | { shares: { payer_id: string; amount_minor: number }[] };

/** What the person chose so far, kept while they go back to change the amount. */
export type SplitState = {
  payerIds: Set<string>;
  mode: "equal" | "amounts";
  includeSelf: boolean;
  /** Typed amounts by person (the author included), as typed. */
  amounts: Map<string, string>;
};

/** Everyone else asked, split equally: what a group request starts from. */
export function newSplitState(others: User[]): SplitState {
  return { payerIds: new Set(others.map((m) => m.id)), mode: "equal", includeSelf: false, amounts: new Map() };
}

type Total = { amountMinor: number; currency: string; memo: string };

/**
 * The Request step of a group: who to ask (everyone else unless unticked), and how to split the
 * total: equally (optionally counting yourself in) or by amounts, with what is left to share out
 * shown as it is typed and Send request held back until nothing is. Resolves with the body's
 * split, or null for Back.
 */
export function chooseSplit(
  ctx: Ctx,
  sheet: Sheet,
  title: string,
  others: User[],
  total: Total,
  state: SplitState,
): Promise<SplitBody | null> {
  const money = (amountMinor: number) => formatMoney(amountMinor, total.currency, ctx.locale);
  const me = ctx.store.me;
  return sheet.step<SplitBody | null>(title, (done) => {
    const people = others.map((member) => {
      const ask = h("input", { type: "checkbox", value: member.id, checked: state.payerIds.has(member.id) });
      const amount = amountInput(ctx.locale, state.amounts.get(member.id));
      return { member, ask, amount, amountField: field(`${member.display_name} pays`, amount) };
    });
    const ownAmount = amountInput(ctx.locale, state.amounts.get(me.id));

    const modeName = uniqueId("split-mode");
    const equally = h("input", { type: "radio", name: modeName, value: "equal", checked: state.mode === "equal" });
    const byAmounts = h("input", {
      type: "radio",
      name: modeName,
      value: "amounts",
      checked: state.mode === "amounts",
    });
    const includeSelf = h("input", { type: "checkbox", checked: state.includeSelf });
    const preview = h("ul", { className: "split-preview", attrs: { "aria-label": "Each share" } });
    const equalPart = h(
      "div",
      { className: "stack" },
      h("label", { className: "choice" }, includeSelf, h("span", {}, "Count me in: I pay a share too")),
      preview,
    );
    const amountsPart = h(
      "div",
      { className: "split-amounts" },
      people.map((p) => p.amountField),
      field("Your part (not asked for)", ownAmount),
    );
    const status = h("output", { className: "split-left", attrs: { "aria-live": "polite" } });
    const send = h("button", { type: "submit", className: "primary" }, "Send request");

    let body: SplitBody | null = null;
    const update = () => {
      state.mode = byAmounts.checked ? "amounts" : "equal";
      state.includeSelf = includeSelf.checked;
      state.payerIds = new Set(people.filter((p) => p.ask.checked).map((p) => p.member.id));
      for (const p of people) state.amounts.set(p.member.id, p.amount.value);
      state.amounts.set(me.id, ownAmount.value);
      const asked = people.filter((p) => p.ask.checked);
      for (const p of people) p.amountField.hidden = !p.ask.checked;
      equalPart.hidden = state.mode !== "equal";
      amountsPart.hidden = state.mode !== "amounts";

      body = null;
      if (asked.length === 0) {
        status.textContent = "Pick at least one person to ask";
      } else if (state.mode === "equal") {
        const split = equalSplit(total.amountMinor, asked.length, state.includeSelf);
        const rows = split.ok ? asked.map((p, i) => shareRow(p.member.display_name, money(split.shares[i] ?? 0))) : [];
        if (split.ok && split.own !== null) rows.push(shareRow("You (not asked for)", money(split.own)));
        preview.replaceChildren(...rows);
        status.textContent = split.ok ? "" : split.reason;
        if (split.ok) body = { payer_ids: asked.map((p) => p.member.id), include_self: state.includeSelf };
      } else {
        const parsed = asked.map((p) => ({ p, amount: parseAmount(p.amount.value, total.currency, ctx.locale) }));
        // The author's own part may stay empty: nothing of it is asked for.
        const own = ownAmount.value.trim() ? parseAmount(ownAmount.value, total.currency, ctx.locale) : undefined;
        const shares = parsed.flatMap(({ p, amount }) =>
          amount.ok ? [{ payer_id: p.member.id, amount_minor: amount.amountMinor }] : [],
        );
        if (own?.ok) shares.push({ payer_id: me.id, amount_minor: own.amountMinor });
        const left = leftToAssign(
          total.amountMinor,
          shares.map((s) => s.amount_minor),
        );
        const invalid = parsed.find(({ p, amount }) => !amount.ok && p.amount.value.trim() !== "");
        const missing = parsed.find(({ amount }) => !amount.ok);
        if (invalid && !invalid.amount.ok) {
          status.textContent = `${invalid.p.member.display_name}: ${invalid.amount.reason}`;
        } else if (own && !own.ok) {
          status.textContent = `Your part: ${own.reason}`;
        } else if (left > 0) {
          status.textContent = `${money(left)} left to share out`;
        } else if (left < 0) {
          status.textContent = `${money(-left)} more than the total`;
        } else if (missing) {
          status.textContent = `Enter what ${missing.p.member.display_name} pays`;
        } else {
          status.textContent = `Adds up to ${money(total.amountMinor)}`;
          // The author's own part counts towards the total; the API does not ask anyone for it.
          body = { shares };
        }
      }
      send.disabled = body === null;
    };

    const form = h(
      "form",
      { className: "stack split-form" },
      h("p", { className: "summary-amount" }, money(total.amountMinor)),
      total.memo ? h("p", { className: "memo summary" }, total.memo) : null,
      h(
        "fieldset",
        { className: "choices" },
        h("legend", {}, "Ask"),
        people.map((p) => h("label", { className: "choice" }, p.ask, h("span", {}, p.member.display_name))),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "Split"),
        h(
          "div",
          { className: "segmented" },
          h("label", {}, equally, h("span", {}, "Equally")),
          h("label", {}, byAmounts, h("span", {}, "By amounts")),
        ),
      ),
      equalPart,
      amountsPart,
      status,
      buttonRow(
        button("Back", "secondary", () => done(null)),
        send,
      ),
    );
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (body) done(body);
    });
    update();
    return form;
  });
}

function amountInput(locale: string | undefined, value: string | undefined): HTMLInputElement {
  return h("input", {
    type: "text",
    inputMode: "decimal",
    autocomplete: "off",
    className: "split-amount",
    placeholder: `0${decimalSeparator(locale)}00`,
    value: value ?? "",
  });
}

function shareRow(name: string, amount: string): HTMLElement {
  return h("li", {}, h("span", {}, name), h("span", { className: "share-amount" }, amount));
}
