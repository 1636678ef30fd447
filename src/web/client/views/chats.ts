import { ApiError, errorMessage } from "../api";
import type { Page, Thread, User } from "../api-types";
import type { Ctx } from "../context";
import { busy, errorBox, field, h, replace } from "../dom";

/**
 * The list of conversations, newest first, with a form to start one with a demo person by
 * handle. It stays on screen (the sidebar on wide windows) and follows the live stream.
 */
export function chatList(
  ctx: Ctx,
  scope: AbortSignal,
): { element: HTMLElement; setActive(threadId: string | null): void } {
  let active: string | null = null;
  const list = h("ul", { className: "thread-list", attrs: { "aria-label": "Your chats" } });
  const empty = h("p", { className: "muted" }, "No chats yet. Start one with someone who has signed in.");

  const render = () => {
    empty.hidden = ctx.store.threads.length > 0;
    replace(
      list,
      ctx.store.threads.map((thread) => {
        const unread = ctx.store.unread.has(thread.id);
        const others = thread.members.filter((m) => m.id !== ctx.store.me.id);
        const handles = others
          .map((m) => (m.handle ? `@${m.handle}` : ""))
          .filter(Boolean)
          .join(", ");
        return h(
          "li",
          {},
          h(
            "a",
            {
              href: `#/chats/${thread.id}`,
              className: `thread-link${unread ? " unread" : ""}`,
              attrs: { "aria-current": thread.id === active ? "page" : false },
            },
            h(
              "span",
              { className: "avatar", attrs: { "aria-hidden": "true" } },
              ctx.store.threadTitle(thread).charAt(0),
            ),
            h("span", { className: "thread-name" }, ctx.store.threadTitle(thread)),
            handles ? h("span", { className: "muted thread-handle" }, handles) : null,
            unread
              ? h("span", { className: "unread-dot" }, h("span", { className: "visually-hidden" }, "new messages"))
              : null,
          ),
        );
      }),
    );
  };

  const handle = h("input", {
    type: "text",
    pattern: "@?[a-z0-9_]{2,32}",
    required: true,
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: false,
    placeholder: "bob",
  });
  const start = h("button", { type: "submit", className: "secondary" }, "Start chat");
  const errors = errorBox();
  const form = h("form", { className: "new-chat" }, field("Chat with (handle)", handle), start, errors);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(start, async () => {
      errors.show(null);
      try {
        const thread = await startChat(ctx, handle.value.trim().replace(/^@/, "").toLowerCase());
        handle.value = "";
        ctx.navigate(`#/chats/${thread.id}`);
      } catch (err) {
        errors.show(errorMessage(err));
      }
    });
  });

  ctx.store.on("threads", render, scope);
  ctx.store.loadThreads().catch((err: unknown) => errors.show(errorMessage(err)));
  render();
  const element = h("section", { className: "chats" }, h("h2", {}, "Chats"), form, empty, list);
  return {
    element,
    setActive(threadId) {
      active = threadId;
      render();
    },
  };
}

/** Finds the person by handle (the development directory) and opens the direct thread with them. */
async function startChat(ctx: Ctx, handle: string): Promise<Thread> {
  if (handle === ctx.store.me.handle) throw new Error("That is you. Pick someone else.");
  let people: Page<User>;
  try {
    people = await ctx.api.get<Page<User>>(`/v1/users?handle=${encodeURIComponent(handle)}`);
  } catch (err) {
    if (err instanceof ApiError && err.code === "ROUTE_NOT_FOUND") {
      throw new Error("Finding people by handle is only available in development.");
    }
    throw err;
  }
  const person = people.items[0];
  if (!person) throw new Error(`Nobody called @${handle} has signed in yet. Ask them to sign in first.`);
  const thread = await ctx.api.post<Thread>("/v1/threads", { body: { kind: "direct", member_ids: [person.id] } });
  ctx.store.addThread(thread);
  return thread;
}
