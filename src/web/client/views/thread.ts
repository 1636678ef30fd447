import { errorMessage } from "../api";
import type { Message, Page, Payment, Thread } from "../api-types";
import type { Ctx } from "../context";
import { busy, errorBox, formatTime, h, uniqueId } from "../dom";
import { openMoneySheet } from "../flows/money-sheet";
import { paymentCard, requestCard } from "../money-cards";
import { type BankThread, bankThread } from "./bank-thread";

const PAGE_SIZE = 50;
/** Close enough to the bottom that the chat keeps following the newest message. */
const STICK_TO_BOTTOM_PX = 120;

/** One conversation: messages (text, payments, requests) kept live, and the composer with its $ button. */
export function threadView(ctx: Ctx, threadId: string, scope: AbortSignal): HTMLElement {
  const titleId = uniqueId("chat-title");
  const title = h("h2", { id: titleId }, "Chat");
  const members = h("p", { className: "muted chat-members", hidden: true });
  const list = h("ol", { className: "messages", attrs: { role: "log", "aria-labelledby": titleId } });
  const earlier = h("button", { type: "button", className: "link-button", hidden: true }, "Load earlier messages");
  const scroller = h("div", { className: "messages-scroll" }, earlier, list);
  const errors = errorBox();
  const rendered = new Set<string>();
  let cursor: string | null = null;
  let thread: Thread | undefined;
  /** Set for a bank's thread: its actions, alert buttons and relayed composer. */
  let bank: BankThread | undefined;
  const bankSlot = h("div", { className: "chat-actions" });

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_TO_BOTTOM_PX;
  const scrollToBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };
  // The chat opens at its newest message and stays there while cards fill in after the first
  // render (each loads its payment or request, then grows) and while the chat area resizes,
  // unless the person scrolls up to read. Only a move up can end following: a scroll event read
  // after a card below grew would otherwise look like the person had left the bottom.
  let following = true;
  let lastTop = 0;
  scroller.addEventListener("scroll", () => {
    const top = scroller.scrollTop;
    if (top < lastTop) following = nearBottom();
    else if (nearBottom()) following = true;
    lastTop = top;
  });
  const follow = new ResizeObserver(() => {
    if (following) scrollToBottom();
  });
  follow.observe(list);
  follow.observe(scroller);
  scope.addEventListener("abort", () => follow.disconnect());

  const item = (m: Message): HTMLElement => {
    rendered.add(m.id);
    const mine = m.sender_id === ctx.store.me.id;
    const showSender = thread?.kind === "group" && !mine;
    const time = h("time", { dateTime: m.created_at, className: "muted" }, formatTime(m.created_at, ctx.locale));
    if (m.kind === "payment" && m.payment_id) {
      return h(
        "li",
        { className: `msg money ${mine ? "mine" : "theirs"}` },
        paymentCard(ctx, m.payment_id, m, scope),
        time,
      );
    }
    if (m.kind === "notice") {
      return h("li", { className: "msg service" }, h("p", { className: "notice", role: "status" }, m.body), time);
    }
    if (m.kind === "request" && m.request_id) {
      return h(
        "li",
        { className: `msg money ${mine ? "mine" : "theirs"}` },
        requestCard(ctx, m.request_id, scope),
        time,
      );
    }
    const bubble = h(
      "li",
      { className: `msg ${mine ? "mine" : "theirs"}` },
      h(
        "div",
        { className: "bubble" },
        showSender ? h("span", { className: "sender" }, ctx.store.nameOf(m.sender_id)) : null,
        h("span", { className: "visually-hidden" }, `${mine ? "You" : ctx.store.nameOf(m.sender_id)}: `),
        m.body,
      ),
      time,
    );
    if (bank && !mine) bank.decorate(bubble, m);
    return bubble;
  };

  const loadPage = async (before: string | null) => {
    const query = `limit=${PAGE_SIZE}${before ? `&cursor=${encodeURIComponent(before)}` : ""}`;
    const page = await ctx.api.get<Page<Message>>(`/v1/threads/${encodeURIComponent(threadId)}/messages?${query}`);
    cursor = page.next_cursor;
    earlier.hidden = cursor === null;
    // The API lists newest first; a chat reads oldest first.
    const items = page.items
      .filter((m) => !rendered.has(m.id))
      .reverse()
      .map(item);
    list.prepend(...items);
  };

  const load = async () => {
    try {
      // The thread's payments in one call, so each payment card does not fetch its own.
      const [found, payments] = await Promise.all([
        ctx.api.get<Thread>(`/v1/threads/${encodeURIComponent(threadId)}`),
        ctx.api.get<Page<Payment>>(`/v1/threads/${encodeURIComponent(threadId)}/payments?limit=100`),
      ]);
      thread = found;
      title.textContent = ctx.store.threadTitle(found);
      if (found.kind === "bank") {
        bank = bankThread(ctx, threadId, scope, (message) => errors.show(message));
        bankSlot.append(bank.actions);
        money.hidden = true;
      }
      if (found.kind === "group") {
        members.textContent = ["You", ...ctx.store.othersIn(found).map((m) => m.display_name)].join(", ");
        members.hidden = false;
      }
      for (const p of payments.items) ctx.store.putPayment(p);
      await loadPage(null);
      scrollToBottom();
      ctx.store.markRead(threadId);
      money.disabled = false;
    } catch (err) {
      errors.show(errorMessage(err));
    }
  };

  earlier.addEventListener("click", () => {
    void busy(earlier, async () => {
      const height = scroller.scrollHeight;
      await loadPage(cursor).catch((err: unknown) => errors.show(errorMessage(err)));
      scroller.scrollTop += scroller.scrollHeight - height;
    });
  });

  ctx.store.on(
    "message",
    (m) => {
      if (m.thread_id !== threadId || rendered.has(m.id)) return;
      list.append(item(m));
      // What the person sent themselves (from another tab, say) is always brought into view.
      if (m.sender_id === ctx.store.me.id) scrollToBottom();
      if (document.visibilityState === "visible") ctx.store.markRead(threadId);
    },
    scope,
  );

  // Composer
  const text = h("input", {
    id: uniqueId("message"),
    type: "text",
    maxLength: 4000,
    autocomplete: "off",
    placeholder: "Message",
    required: true,
  });
  const send = h("button", { type: "submit", className: "primary" }, "Send");
  const money = h(
    "button",
    { type: "button", className: "dollar", disabled: true, attrs: { "aria-label": "Send or request money" } },
    "$",
  );
  money.addEventListener("click", () => {
    if (thread) void openMoneySheet(ctx, thread).then(() => text.focus());
  });
  const composer = h(
    "form",
    { className: "composer" },
    money,
    h("label", { htmlFor: text.id, className: "visually-hidden" }, "Message"),
    text,
    send,
  );
  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    void busy(send, async () => {
      errors.show(null);
      try {
        if (bank) {
          // Relayed to the bank; the message arrives on the live stream like the bank's reply.
          await bank.send(body);
          text.value = "";
          text.focus();
          return;
        }
        const message = await ctx.api.post<Message>(`/v1/threads/${encodeURIComponent(threadId)}/messages`, {
          body: { body },
        });
        text.value = "";
        if (!rendered.has(message.id)) {
          list.append(item(message));
          scrollToBottom();
        }
      } catch (err) {
        errors.show(errorMessage(err));
      }
      text.focus();
    });
  });

  void load();
  return h(
    "section",
    { className: "chat", attrs: { "aria-labelledby": titleId } },
    h(
      "header",
      { className: "chat-header" },
      h("a", { href: "#/chats", className: "back", attrs: { "aria-label": "Back to chats" } }, "‹"),
      h("div", { className: "chat-title" }, title, members),
      bankSlot,
    ),
    scroller,
    errors,
    composer,
  );
}
