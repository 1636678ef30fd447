import { PAGE_CONFIG_ELEMENT_ID, type PageConfig } from "../page-config";
import { Api } from "./api";
import type { ConsentList, Page, User } from "./api-types";
import type { Ctx } from "./context";
import { h, replace } from "./dom";
import { finishBankLink } from "./flows/bank-link";
import { runLiveEvents } from "./live-events";
import { clearToken, savedToken, saveToken, tokenClaims } from "./session";
import { type ConnectionState, Store } from "./store";
import { chatList } from "./views/chats";
import { consentView, needsConsent } from "./views/consent";
import { historyView, receiptView } from "./views/history";
import { privacyView } from "./views/privacy";
import { securityView } from "./views/security";
import { signInView } from "./views/signin";
import { threadView } from "./views/thread";

const ANNOUNCEMENT_VISIBLE_MS = 4_000;

function readPageConfig(): PageConfig {
  const text = document.getElementById(PAGE_CONFIG_ELEMENT_ID)?.textContent;
  if (!text) throw new Error("The page has no configuration; reload it from the server");
  return JSON.parse(text) as PageConfig;
}

const root = document.getElementById("app") as HTMLElement;
const config = readPageConfig();
const locale = navigator.language || undefined;
let session: AbortController | undefined;
/** The page on screen: navigating away aborts it, and everything it opened goes with it. */
let view: AbortController | undefined;

function showSignIn(notice?: string): void {
  session?.abort();
  session = undefined;
  document.title = "Sign in · chat-pay";
  replace(
    root,
    signInView(config, (s) => startSession(s.token, s.user), notice),
  );
  root.querySelector<HTMLElement>("button, input")?.focus();
}

function signOut(notice?: string): void {
  clearToken();
  if (location.hash) history.replaceState(null, "", location.pathname);
  showSignIn(notice);
}

/** Who the token names: the sign-in answer, or the development directory after a reload. */
async function whoIs(api: Api, token: string, known: User | undefined): Promise<User> {
  if (known) return known;
  const sub = tokenClaims(token)?.sub ?? "";
  try {
    const page = await api.get<Page<User>>(`/v1/users?id=${encodeURIComponent(sub)}`);
    if (page.items[0]) return page.items[0];
  } catch {
    // Production has no directory route; the chat product knows the name, this page need not.
  }
  return { id: sub, handle: null, display_name: "You" };
}

async function startSession(token: string, known?: User): Promise<void> {
  saveToken(token);
  session?.abort();
  const scope = new AbortController();
  session = scope;
  const api = new Api(token, () => {
    if (!scope.signal.aborted) signOut("Your session has ended. Sign in again.");
  });
  const me = await whoIs(api, token, known);
  if (scope.signal.aborted) return;
  const store = new Store(me, api);
  const announcer = h("div", { className: "announcer", attrs: { role: "status", "aria-live": "polite" } });
  let hideTimer: ReturnType<typeof setTimeout> | undefined;
  const ctx: Ctx = {
    api,
    store,
    config,
    locale,
    announce(message) {
      announcer.textContent = message;
      announcer.classList.add("visible");
      clearTimeout(hideTimer);
      hideTimer = setTimeout(() => announcer.classList.remove("visible"), ANNOUNCEMENT_VISIBLE_MS);
    },
    navigate(hash) {
      location.hash = hash;
    },
    viewSignal() {
      return (view ?? scope).signal;
    },
  };
  const open = () => {
    if (scope.signal.aborted) return;
    renderShell(ctx, scope.signal, announcer);
    void runLiveEvents(api, store, scope.signal);
    // Back from a bank's approval screen: finish linking it.
    void finishBankLink(ctx);
  };
  // First run (or new terms): nothing of payments opens until the person has agreed.
  const consents = await api.get<ConsentList>("/v1/me/consents");
  if (scope.signal.aborted) return;
  if (!needsConsent(consents)) return open();
  document.title = "Before you start · chat-pay";
  replace(
    root,
    consentView(api, consents, open, () => signOut()),
  );
  root.querySelector<HTMLElement>("button")?.focus();
}

function connectionText(state: ConnectionState): string {
  return state === "live" ? "Live" : state === "connecting" ? "Connecting…" : "Reconnecting…";
}

function renderShell(ctx: Ctx, signal: AbortSignal, announcer: HTMLElement): void {
  const connectionLabel = h("span", { className: "connection-text" }, connectionText(ctx.store.connection));
  const connection = h(
    "span",
    { className: "connection", attrs: { "data-state": ctx.store.connection } },
    connectionLabel,
  );
  ctx.store.on(
    "connection",
    (state) => {
      connection.dataset.state = state;
      connectionLabel.textContent = connectionText(state);
    },
    signal,
  );
  const navLinks = {
    chats: h("a", { href: "#/chats" }, "Chats"),
    history: h("a", { href: "#/history" }, "Payments"),
    security: h("a", { href: "#/security" }, "Security"),
    privacy: h("a", { href: "#/privacy" }, "Privacy"),
  };
  const signOutButton = h("button", { type: "button", className: "link-button" }, "Sign out");
  signOutButton.addEventListener("click", () => signOut());
  const main = h("main", { id: "main", tabIndex: -1 });
  const chats = chatList(ctx, signal);
  const layout = h(
    "div",
    { className: "layout" },
    h("aside", { className: "sidebar", attrs: { "aria-label": "Chats" } }, chats.element),
    main,
  );
  replace(
    root,
    h("a", { href: "#main", className: "skip-link" }, "Skip to content"),
    h(
      "div",
      { className: "app-shell" },
      h(
        "header",
        { className: "topbar" },
        h("span", { className: "brand" }, "chat-pay"),
        ctx.config.stripe.mode === "emulator"
          ? h("span", { className: "badge test-mode", title: "Stripe emulator: no real money moves" }, "Test mode")
          : null,
        connection,
        h(
          "nav",
          { attrs: { "aria-label": "Main" } },
          navLinks.chats,
          navLinks.history,
          navLinks.security,
          navLinks.privacy,
        ),
        h("span", { className: "me" }, h("span", { className: "me-name" }, ctx.store.me.display_name), signOutButton),
      ),
      layout,
    ),
    announcer,
  );

  const route = () => {
    view?.abort();
    view = new AbortController();
    const parts = location.hash.replace(/^#\/?/, "").split("/");
    const [section = "chats", id] = parts;
    for (const [name, link] of Object.entries(navLinks)) {
      if (name === section || (name === "chats" && section === "")) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    let content: HTMLElement;
    let detail = true;
    if (section === "history" && id) content = receiptView(ctx, id, view.signal);
    else if (section === "history") content = historyView(ctx, view.signal);
    else if (section === "security") content = securityView(ctx, view.signal);
    else if (section === "privacy")
      content = privacyView(ctx, () => signOut("Your account is closed. Thank you for using chat-pay."));
    else if (id) content = threadView(ctx, id, view.signal);
    else {
      detail = false;
      content = h(
        "div",
        { className: "placeholder" },
        h("p", { className: "muted" }, "Pick a chat, or start one by handle (several for a group)."),
      );
    }
    chats.setActive(section === "chats" && id ? id : null);
    // Narrow screens show either the list or the page; wide ones show both.
    layout.dataset.view = detail ? "detail" : "list";
    replace(main, content);
    const titles: Record<string, string> = { history: "Payments", security: "Security", privacy: "Privacy" };
    document.title = `${titles[section] ?? "Chats"} · chat-pay`;
  };
  window.addEventListener("hashchange", route, { signal });
  signal.addEventListener("abort", () => view?.abort());
  route();
}

const token = savedToken();
if (token) void startSession(token);
else showSignIn();
