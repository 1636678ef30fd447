import { errorMessage, IdempotentAction } from "../api";
import type { BankAlert, BankLink, Message } from "../api-types";
import type { Ctx } from "../context";
import { busy, button, h, replace } from "../dom";
import { showBalance, unlinkBank } from "../flows/bank-link";

/**
 * What a bank's thread adds to a chat: "Show balance" and "Unlink" in its header, the fraud
 * buttons ("It was me" / "Not me") under an open alert's message, and the composer relaying to
 * the bank instead of posting an ordinary message.
 */
export type BankThread = {
  actions: HTMLElement;
  /** Adds what an alert's message needs (its buttons, or the answer given). */
  decorate(item: HTMLElement, message: Message): void;
  send(body: string): Promise<void>;
};

export function bankThread(ctx: Ctx, threadId: string, scope: AbortSignal, onError: (m: string) => void): BankThread {
  const actions = h("div", { className: "bank-actions" });
  const alerts = new Map<string, BankAlert>();
  const slots = new Map<string, HTMLElement>();
  let link: BankLink | undefined;
  const relay = new IdempotentAction();

  const renderSlot = (messageId: string) => {
    const slot = slots.get(messageId);
    const alert = [...alerts.values()].find((a) => a.message_id === messageId);
    if (!slot || !alert) return;
    if (alert.status !== "open") {
      const said =
        alert.answer === "not_me" ? "You said: Not me" : alert.answer === "it_was_me" ? "You said: It was me" : "";
      replace(slot, said ? h("p", { className: "muted" }, said) : null);
      return;
    }
    const answer = (value: "it_was_me" | "not_me") => async () => {
      try {
        const answered = await ctx.api.post<BankAlert>(
          `/v1/bank-links/${encodeURIComponent(alert.link_id)}/alert-answers`,
          { body: { alert_id: alert.id, answer: value } },
        );
        alerts.set(answered.id, answered);
        renderSlot(messageId);
      } catch (err) {
        onError(errorMessage(err));
      }
    };
    const mine = button("It was me", "secondary", () => void busy(mine, answer("it_was_me")));
    const notMe = button("Not me", "primary", () => void busy(notMe, answer("not_me")));
    replace(slot, h("div", { className: "button-row fraud-buttons" }, mine, notMe));
  };

  const renderActions = () => {
    if (link?.status !== "active") {
      replace(actions, link ? h("p", { className: "muted" }, "This link has ended.") : null);
      return;
    }
    const current = link;
    const balance = button("Show balance", "secondary", () => void showBalance(ctx, current));
    balance.hidden = !current.scopes.includes("balances");
    const unlink = button("Unlink", "link-button", () => void unlinkBank(ctx, current));
    replace(actions, balance, unlink);
  };

  const load = async () => {
    const links = await ctx.api.get<{ items: BankLink[] }>("/v1/bank-links");
    link = links.items.find((l) => l.thread_id === threadId);
    renderActions();
    if (!link) return;
    const page = await ctx.api.get<{ items: BankAlert[] }>(`/v1/bank-links/${encodeURIComponent(link.id)}/alerts`);
    for (const a of page.items) alerts.set(a.id, a);
    for (const messageId of slots.keys()) renderSlot(messageId);
  };

  ctx.store.on(
    "bankAlert",
    (a) => {
      if (a.link_id !== link?.id) return;
      alerts.set(a.id, a);
      renderSlot(a.message_id);
    },
    scope,
  );
  ctx.store.on(
    "bankLink",
    (l) => {
      if (l.thread_id !== threadId) return;
      link = l;
      renderActions();
    },
    scope,
  );
  void load().catch((err: unknown) => onError(errorMessage(err)));

  return {
    actions,
    decorate(item, message) {
      const slot = h("div", { className: "alert-slot" });
      slots.set(message.id, slot);
      item.append(slot);
      renderSlot(message.id);
    },
    async send(body) {
      if (!link) throw new Error("This bank link is not ready yet.");
      const path = `/v1/bank-links/${encodeURIComponent(link.id)}/messages`;
      await relay.run({ body }, (key) => ctx.api.post(path, { body: { body }, idempotencyKey: key }));
    },
  };
}
