import { errorMessage } from "../api";
import type { Page, Payment, Receipt } from "../api-types";
import type { Ctx } from "../context";
import { busy, errorBox, formatDateTime, h, replace, uniqueId } from "../dom";
import { paymentStatusText, timelineText } from "../labels";
import { formatMoney } from "../money";

const PAGE_SIZE = 25;
type Direction = "all" | "sent" | "received";

/** Every payment sent or received, newest first, filterable, each opening its receipt. */
export function historyView(ctx: Ctx, scope: AbortSignal): HTMLElement {
  const list = h("ul", { className: "history", attrs: { "aria-label": "Payments" } });
  const more = h("button", { type: "button", className: "link-button", hidden: true }, "Show more");
  const empty = h(
    "p",
    { className: "muted", hidden: true },
    "No payments yet. Tap $ in a chat to send or request money.",
  );
  const errors = errorBox();
  let direction: Direction = "all";
  let cursor: string | null = null;
  let shown: string[] = [];
  // While a page is being stored its payments are not "new": they go where the page puts them.
  let loading = false;

  const row = (p: Payment): HTMLElement => {
    const me = ctx.store.me.id;
    const sent = p.sender_id === me;
    const other = sent ? p.recipient_id : p.sender_id;
    const amount = formatMoney(p.amount_minor, p.currency, ctx.locale);
    return h(
      "li",
      { attrs: { "data-payment-id": p.id } },
      h(
        "a",
        { href: `#/history/${p.id}`, className: `history-row tone-${p.status}` },
        h(
          "span",
          { className: "history-who" },
          sent ? `To ${ctx.store.nameOf(other)}` : `From ${ctx.store.nameOf(other)}`,
        ),
        h("span", { className: `history-amount ${sent ? "out" : "in"}` }, `${sent ? "−" : "+"}${amount}`),
        h("span", { className: "history-memo muted" }, p.memo ?? ""),
        h(
          "span",
          { className: "history-status" },
          paymentStatusText(p, me, (id) => ctx.store.nameOf(id), ctx.locale),
        ),
        h("time", { dateTime: p.created_at, className: "muted" }, formatDateTime(p.created_at, ctx.locale)),
      ),
    );
  };

  const render = () => {
    const payments = shown.map((id) => ctx.store.payments.get(id)).filter((p): p is Payment => p !== undefined);
    empty.hidden = payments.length > 0;
    replace(list, payments.map(row));
  };

  const load = async (reset: boolean) => {
    errors.show(null);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (direction !== "all") query.set("direction", direction);
    if (!reset && cursor) query.set("cursor", cursor);
    try {
      const page = await ctx.api.get<Page<Payment>>(`/v1/payments?${query}`);
      loading = true;
      for (const p of page.items) ctx.store.putPayment(p);
      loading = false;
      await ctx.store.ensureUsers(page.items.flatMap((p) => [p.sender_id, p.recipient_id]));
      const ids = page.items.map((p) => p.id);
      shown = [...(reset ? [] : shown.filter((id) => !ids.includes(id))), ...ids];
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      render();
    } catch (err) {
      errors.show(errorMessage(err));
    }
  };

  const group = uniqueId("direction");
  const filters = h(
    "fieldset",
    { className: "segmented" },
    h("legend", { className: "visually-hidden" }, "Show"),
    (["all", "sent", "received"] as const).map((value) => {
      const input = h("input", { type: "radio", name: group, value, checked: value === direction });
      input.addEventListener("change", () => {
        direction = value;
        void load(true);
      });
      return h("label", {}, input, h("span", {}, value === "all" ? "All" : value === "sent" ? "Sent" : "Received"));
    }),
  );
  more.addEventListener("click", () => void busy(more, () => load(false)));
  ctx.store.on(
    "payment",
    (p) => {
      // A payment made meanwhile (in a chat, or on another device) joins the top of the list.
      const me = ctx.store.me.id;
      const matches = direction === "all" || (direction === "sent") === (p.sender_id === me);
      if (!loading && !shown.includes(p.id) && matches) shown = [p.id, ...shown];
      if (shown.includes(p.id)) render();
    },
    scope,
  );
  ctx.store.on("users", render, scope);
  void load(true);
  return h("section", { className: "page" }, h("h2", {}, "Payments"), filters, errors, empty, list, more);
}

/** One payment's receipt: who, how much, for what, and each step with its time. */
export function receiptView(ctx: Ctx, paymentId: string, scope: AbortSignal): HTMLElement {
  const body = h("div", { className: "receipt" }, h("p", { className: "muted" }, "Loading receipt…"));
  const errors = errorBox();
  const load = async () => {
    try {
      const receipt = await ctx.api.get<Receipt>(`/v1/payments/${encodeURIComponent(paymentId)}/receipt`);
      const p = ctx.store.putPayment(receipt.payment);
      const me = ctx.store.me.id;
      replace(
        body,
        h("p", { className: "money-amount" }, formatMoney(p.amount_minor, p.currency, ctx.locale)),
        p.memo ? h("p", { className: "memo" }, p.memo) : null,
        h(
          "dl",
          { className: "facts" },
          h("dt", {}, "From"),
          h("dd", {}, receipt.from),
          h("dt", {}, "To"),
          h("dd", {}, receipt.to),
          h("dt", {}, "Status"),
          h(
            "dd",
            {},
            paymentStatusText(p, me, (id) => ctx.store.nameOf(id), ctx.locale),
          ),
          h("dt", {}, "Paid with"),
          h("dd", {}, p.funding === "wallet" ? "Balance" : p.funding === "card" ? "Debit card" : "Not charged"),
          h("dt", {}, "Reference"),
          h("dd", {}, h("code", {}, p.id)),
        ),
        h("h3", {}, "Timeline"),
        h(
          "ol",
          { className: "timeline" },
          receipt.timeline.map((step) =>
            h(
              "li",
              {},
              h("span", {}, timelineText(step.status)),
              " ",
              h("time", { dateTime: step.at, className: "muted" }, formatDateTime(step.at, ctx.locale)),
            ),
          ),
        ),
      );
    } catch (err) {
      errors.show(errorMessage(err));
      replace(body);
    }
  };
  ctx.store.on("payment", (p) => p.id === paymentId && void load(), scope);
  void load();
  return h(
    "section",
    { className: "page" },
    h("a", { href: "#/history", className: "back-link" }, "‹ All payments"),
    h("h2", {}, "Receipt"),
    errors,
    body,
  );
}
