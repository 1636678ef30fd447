import type { PageConfig } from "../../page-config";
import { errorMessage, postWithoutToken } from "../api";
import type { DevSession } from "../api-types";
import { busy, errorBox, field, h } from "../dom";

const DEMO_PEOPLE = [
  { handle: "alice", display_name: "Alice" },
  { handle: "bob", display_name: "Bob" },
  { handle: "carol", display_name: "Carol" },
];

/** Where passkeys would work, when this page is open somewhere they cannot (127.0.0.1, a LAN address). */
export function passkeyAddressNote(config: PageConfig): HTMLElement | null {
  if (config.webauthn_origins.includes(location.origin)) return null;
  const target = config.webauthn_origins[0];
  if (!target) return null;
  const url = `${target}${location.pathname}${location.hash}`;
  return h(
    "p",
    { className: "notice" },
    "Biometric confirmation (passkeys) only works at ",
    h("a", { href: url }, target),
    `: browsers refuse passkeys on ${location.hostname}. Everything else works here.`,
  );
}

/** Development sign-in: pick a demo person or type a handle; the API issues a session token. */
export function signInView(
  config: PageConfig,
  onSignedIn: (session: DevSession) => void,
  notice?: string,
): HTMLElement {
  const errors = errorBox();
  const signIn = async (handle: string, displayName: string | undefined) => {
    errors.show(null);
    try {
      const session = await postWithoutToken<DevSession>("/v1/dev/sessions", {
        handle,
        ...(displayName ? { display_name: displayName } : {}),
      });
      onSignedIn(session);
    } catch (err) {
      errors.show(errorMessage(err));
    }
  };

  if (!config.dev_sessions) {
    return h(
      "main",
      { id: "main", className: "signin" },
      h("h1", {}, "chat-pay"),
      h("p", {}, "Demo sign-in is turned off on this server. Open payments from your chat app instead."),
    );
  }

  const quick = DEMO_PEOPLE.map((person) => {
    const b = h("button", { type: "button", className: "secondary person" }, `Sign in as ${person.display_name}`);
    b.addEventListener("click", () => void busy(b, () => signIn(person.handle, person.display_name)));
    return b;
  });

  const handle = h("input", {
    type: "text",
    name: "handle",
    required: true,
    pattern: "[a-z0-9_]{2,32}",
    autocomplete: "username",
    autocapitalize: "none",
    spellcheck: false,
  });
  const displayName = h("input", { type: "text", name: "display_name", maxLength: 64, autocomplete: "name" });
  const submit = h("button", { type: "submit", className: "primary" }, "Sign in");
  const form = h(
    "form",
    { className: "stack" },
    field("Handle", handle, "2-32 lowercase letters, digits or underscores"),
    field("Display name (optional)", displayName),
    submit,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(submit, () => signIn(handle.value.trim(), displayName.value.trim() || undefined));
  });

  return h(
    "main",
    { id: "main", className: "signin" },
    h("h1", {}, "chat-pay"),
    h("p", { className: "lead" }, "Send and request money inside a chat."),
    config.stripe.mode === "emulator"
      ? h(
          "p",
          {},
          h("span", { className: "badge test-mode" }, "Test mode"),
          " No real money moves: cards are Stripe's test cards.",
        )
      : null,
    notice ? h("p", { className: "notice", attrs: { role: "alert" } }, notice) : null,
    passkeyAddressNote(config),
    h("h2", {}, "Sign in as a demo person"),
    h("p", { className: "muted" }, "Use a second browser window (or a private one) to be the other person."),
    h("div", { className: "button-row wrap" }, quick),
    h("h2", {}, "Or pick any handle"),
    form,
    errors,
  );
}
