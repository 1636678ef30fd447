import type { Card, Device, Page, PayoutDestination, PinStatus, SecurityEvent } from "../api-types";
import type { Ctx } from "../context";
import { busy, errorBox, formatDateTime, guardedBy, h, replace } from "../dom";
import { addCard } from "../flows/card";
import { registerPasskey } from "../flows/passkey";
import { changePin } from "../flows/pin";
import { cardLabel, securityEventText } from "../labels";
import { passkeysAvailable } from "../webauthn";
import { bankLinksPanel } from "./bank-links";
import { passkeyAddressNote } from "./signin";

const EVENTS_PAGE_SIZE = 20;

function section(title: string, ...content: (Node | null)[]): HTMLElement {
  return h("section", { className: "panel" }, h("h3", {}, title), ...content);
}

function pinText(pin: PinStatus, locale: string | undefined): string {
  switch (pin.state) {
    case "not_set":
      return "Not set. You will set one the first time you pay.";
    case "active":
      return pin.updated_at ? `Set (last changed ${formatDateTime(pin.updated_at, locale)})` : "Set";
    case "locked":
      return `Locked after too many incorrect attempts${pin.locked_until ? ` until ${formatDateTime(pin.locked_until, locale)}` : ""}`;
    case "disabled":
      return "Disabled after too many incorrect attempts. Reset it by proving it is you (with your passkey).";
  }
}

/** Cards, payout status, passkeys, the PIN and the security log, each with what can be done about it. */
export function securityView(ctx: Ctx, scope: AbortSignal): HTMLElement {
  const errors = errorBox();
  const pinPanel = h("div", {}, h("p", { className: "muted" }, "Loading…"));
  const cardsPanel = h("div", {}, h("p", { className: "muted" }, "Loading…"));
  const devicesPanel = h("div", {}, h("p", { className: "muted" }, "Loading…"));
  const eventsList = h("ul", { className: "events", attrs: { "aria-label": "Security log" } });
  const moreEvents = h("button", { type: "button", className: "link-button", hidden: true }, "Show older events");
  let eventsCursor: string | null = null;

  const guard = guardedBy(errors);

  const loadPin = async () => {
    const pin = await ctx.api.get<PinStatus>("/v1/me/pin");
    const action = h(
      "button",
      { type: "button", className: "secondary" },
      pin.state === "not_set" ? "Set PIN" : "Change PIN",
    );
    action.addEventListener("click", () => void changePin(ctx, pin.state !== "not_set", () => void refresh()));
    action.hidden = pin.state === "disabled";
    replace(
      pinPanel,
      h("p", { attrs: { "data-pin-state": pin.state } }, pinText(pin, ctx.locale)),
      pin.state === "active" && pin.attempts_remaining < 5
        ? h("p", { className: "muted" }, `${pin.attempts_remaining} attempts left before the PIN is locked.`)
        : null,
      pin.reduced_limits_until
        ? h(
            "p",
            { className: "muted" },
            `Lower sending limits until ${formatDateTime(pin.reduced_limits_until, ctx.locale)}.`,
          )
        : null,
      action,
    );
  };

  const loadCards = async () => {
    const [cards, payouts] = await Promise.all([
      ctx.api.get<{ items: Card[] }>("/v1/cards"),
      ctx.api.get<PayoutDestination>("/v1/me/payouts"),
    ]);
    const add = h("button", { type: "button", className: "secondary" }, "Add a debit card");
    add.addEventListener("click", () => void addCard(ctx, () => void refresh()));
    replace(
      cardsPanel,
      cards.items.length === 0 ? h("p", { className: "muted" }, "No cards yet.") : null,
      h(
        "ul",
        { className: "rows" },
        cards.items.map((card) => {
          const remove = h(
            "button",
            {
              type: "button",
              className: "secondary small",
              attrs: { "aria-label": `Remove card ending ${card.last4}` },
            },
            "Remove",
          );
          remove.addEventListener(
            "click",
            () =>
              void busy(remove, () =>
                guard(async () => {
                  await ctx.api.delete(`/v1/cards/${encodeURIComponent(card.id)}`);
                  await refresh();
                }),
              ),
          );
          const notes = [
            card.is_default ? "pays" : null,
            card.receives_payouts ? "receives" : null,
            `expires ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}`,
          ].filter(Boolean);
          return h(
            "li",
            {},
            h("span", {}, cardLabel(card)),
            h("span", { className: "muted" }, notes.join(" · ")),
            remove,
          );
        }),
      ),
      h("p", { attrs: { "data-payout-state": payouts.state } }, payouts.detail),
      add,
    );
  };

  const loadDevices = async () => {
    const devices = await ctx.api.get<{ items: Device[] }>("/v1/me/devices");
    const available = await passkeysAvailable(ctx.config.webauthn_origins);
    const register = h("button", { type: "button", className: "secondary" }, "Register this device");
    register.addEventListener(
      "click",
      () =>
        void busy(register, () =>
          guard(async () => {
            await registerPasskey(ctx);
            await refresh();
          }),
        ),
    );
    replace(
      devicesPanel,
      devices.items.length === 0
        ? h("p", { className: "muted" }, "No passkeys. Payments are confirmed with your PIN.")
        : null,
      h(
        "ul",
        { className: "rows" },
        devices.items.map((device) => {
          const remove = h(
            "button",
            { type: "button", className: "secondary small", attrs: { "aria-label": `Remove ${device.name}` } },
            "Remove",
          );
          remove.addEventListener(
            "click",
            () =>
              void busy(remove, () =>
                guard(async () => {
                  await ctx.api.delete(`/v1/me/devices/${encodeURIComponent(device.id)}`);
                  await refresh();
                }),
              ),
          );
          const used = device.last_used_at
            ? `last used ${formatDateTime(device.last_used_at, ctx.locale)}`
            : "not used yet";
          return h(
            "li",
            {},
            h("span", {}, device.name),
            h("span", { className: "muted" }, `added ${formatDateTime(device.created_at, ctx.locale)} · ${used}`),
            remove,
          );
        }),
      ),
      available
        ? register
        : (passkeyAddressNote(ctx.config) ??
            h("p", { className: "muted" }, "This browser has no biometric (platform authenticator) for passkeys.")),
    );
  };

  const loadEvents = async (reset: boolean) => {
    const query = new URLSearchParams({ limit: String(EVENTS_PAGE_SIZE) });
    if (!reset && eventsCursor) query.set("cursor", eventsCursor);
    const page = await ctx.api.get<Page<SecurityEvent>>(`/v1/me/security-events?${query}`);
    eventsCursor = page.next_cursor;
    moreEvents.hidden = eventsCursor === null;
    const rows = page.items.map((event) => {
      const facts = Object.entries(event.detail)
        .filter(([key]) => ["method", "last4", "brand", "attempts_remaining", "name"].includes(key))
        .map(([key, value]) => `${key.replaceAll("_", " ")}: ${String(value)}`);
      return h(
        "li",
        {},
        h("span", {}, securityEventText(event.kind)),
        facts.length ? h("span", { className: "muted" }, facts.join(" · ")) : null,
        h("time", { dateTime: event.created_at, className: "muted" }, formatDateTime(event.created_at, ctx.locale)),
      );
    });
    if (reset) replace(eventsList, rows);
    else eventsList.append(...rows);
  };

  const refresh = () =>
    guard(async () => {
      await Promise.all([loadPin(), loadCards(), loadDevices(), loadEvents(true)]);
    });

  moreEvents.addEventListener("click", () => void busy(moreEvents, () => guard(() => loadEvents(false))));
  // A payment confirmed elsewhere (another tab or device) adds to the log.
  ctx.store.on("payment", () => void guard(() => loadEvents(true)), scope);
  void refresh();
  const bank = bankLinksPanel(ctx, scope);

  return h(
    "section",
    { className: "page security" },
    h("h2", {}, "Security"),
    errors,
    section("Payment PIN", pinPanel),
    section("Debit cards", cardsPanel),
    section("Passkeys (biometric)", devicesPanel),
    section("Security events", eventsList, moreEvents),
    section("Bank links", bank.links),
    section("Bank data access log", bank.log),
  );
}
