import { ApiError, errorMessage } from "../api";
import type { Page, Thread, User } from "../api-types";
import type { Ctx } from "../context";
import { busy, errorBox, field, h, replace, uniqueId } from "../dom";

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
        const others = ctx.store.othersIn(thread);
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

  const handles = h("input", {
    type: "text",
    pattern: "[@a-zA-Z0-9_,\\s]+",
    required: true,
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: false,
    placeholder: "bob, carol",
  });
  const title = h("input", { type: "text", maxLength: 100, autocomplete: "off", placeholder: "Ski trip" });
  const titleField = field("Group name (optional)", title);
  const start = h("button", { type: "submit", className: "secondary" }, "Start chat");
  const errors = errorBox();
  // Two or more handles make a group, which may have a name; one handle is a direct chat.
  const shapeForm = () => {
    const group = parseHandles(handles.value).length > 1;
    titleField.hidden = !group;
    form.classList.toggle("group", group);
    start.textContent = group ? "Start group" : "Start chat";
  };
  handles.addEventListener("input", shapeForm);
  // The hint sits under the whole row, so the button lines up with the field it submits.
  const hint = h(
    "small",
    { className: "hint", id: uniqueId("new-chat-hint") },
    "One handle for a chat; several, separated by commas, for a group.",
  );
  handles.setAttribute("aria-describedby", hint.id);
  const form = h(
    "form",
    { className: "new-chat" },
    field("Chat with (handles)", handles),
    titleField,
    start,
    errors,
    hint,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(start, async () => {
      errors.show(null);
      try {
        const thread = await startChat(ctx, parseHandles(handles.value), title.value.trim());
        handles.value = "";
        title.value = "";
        shapeForm();
        ctx.navigate(`#/chats/${thread.id}`);
      } catch (err) {
        errors.show(errorMessage(err));
      }
    });
  });
  shapeForm();

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

/** "@Bob, carol bob" -> ["bob", "carol"]: handles as the directory knows them, each once. */
export function parseHandles(text: string): string[] {
  const handles = text
    .toLowerCase()
    .split(/[\s,]+/)
    .map((handle) => handle.replace(/^@/, ""))
    .filter(Boolean);
  return [...new Set(handles)];
}

/** Finds each person by handle (the development directory). */
async function findPeople(ctx: Ctx, handles: string[]): Promise<User[]> {
  if (ctx.store.me.handle && handles.includes(ctx.store.me.handle)) {
    throw new Error("That is you: name the others only.");
  }
  let pages: Page<User>[];
  try {
    pages = await Promise.all(
      handles.map((handle) => ctx.api.get<Page<User>>(`/v1/users?handle=${encodeURIComponent(handle)}`)),
    );
  } catch (err) {
    if (err instanceof ApiError && err.code === "ROUTE_NOT_FOUND") {
      throw new Error("Finding people by handle is only available in development.");
    }
    throw err;
  }
  const missing = handles.filter((_, i) => !pages[i]?.items[0]);
  if (missing.length > 0) {
    const names = missing.map((handle) => `@${handle}`).join(", ");
    throw new Error(
      `Nobody called ${names} has signed in yet. Ask ${missing.length > 1 ? "them" : "that person"} to sign in first.`,
    );
  }
  return pages.flatMap((page) => page.items.slice(0, 1));
}

/** Opens the direct thread with one person, or starts a group with several (named, if a name was given). */
async function startChat(ctx: Ctx, handles: string[], title: string): Promise<Thread> {
  if (handles.length === 0) throw new Error("Enter a handle.");
  const people = await findPeople(ctx, handles);
  const member_ids = people.map((person) => person.id);
  const body =
    people.length > 1 ? { kind: "group", member_ids, ...(title ? { title } : {}) } : { kind: "direct", member_ids };
  const thread = await ctx.api.post<Thread>("/v1/threads", { body });
  ctx.store.addThread(thread);
  return thread;
}
