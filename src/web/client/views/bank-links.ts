import { errorMessage, newIdempotencyKey } from "../api";
import type { BankAccessLogEntry, BankLink, Page } from "../api-types";
import type { Ctx } from "../context";
import { button, formatDateTime, h, replace } from "../dom";
import { linkBank, unlinkBank } from "../flows/bank-link";

const LOG_PAGE_SIZE = 20;

const ENDED_BY: Record<NonNullable<BankLink["ended_by"]>, string> = {
  person: "you unlinked it",
  bank: "revoked at the bank",
  expiry: "expired",
};

const ACTIONS: Record<string, string> = {
  linked: "Linked",
  receipt_delivered: "Receipt delivered",
  alert_delivered: "Fraud alert delivered",
  alert_answered: "Fraud alert answered",
  alert_outcome_delivered: "Bank's answer to an alert delivered",
  message_delivered: "Message from the bank delivered",
  message_relayed: "Your message sent to the bank",
  balance_step_up: "Confirmed it was you for the balance",
  balance_fetched: "Balance read (not kept)",
  consent_reconfirmed: "Consent renewed",
  content_purged: "Bank content deleted",
  link_ended: "Link ended",
};

/** The Security page's bank part: links with their consent records, and the access log. */
export function bankLinksPanel(ctx: Ctx, scope: AbortSignal): { links: HTMLElement; log: HTMLElement } {
  const links = h("div", {}, h("p", { className: "muted" }, "Loading…"));
  const log = h("ul", { className: "events bank-access-log" });

  const linkItem = (link: BankLink) => {
    const when =
      link.status === "active"
        ? `Linked ${formatDateTime(link.granted_at ?? link.created_at, ctx.locale)}; until ${formatDateTime(link.expires_at ?? "", ctx.locale)}`
        : `Ended ${formatDateTime(link.ended_at ?? link.created_at, ctx.locale)} (${link.ended_by ? ENDED_BY[link.ended_by] : link.status})`;
    const consent = h(
      "details",
      {},
      h("summary", {}, "Consent you gave"),
      h("pre", { className: "disclosure" }, link.disclosure),
    );
    const active = link.status === "active";
    const unlink = active ? button("Unlink", "secondary", () => void unlinkBank(ctx, link)) : null;
    const renew = active
      ? button("Renew consent", "secondary", () => {
          const path = `/v1/bank-links/${encodeURIComponent(link.id)}/reconfirm`;
          void ctx.api
            .post(path, { idempotencyKey: newIdempotencyKey() })
            .then(() => ctx.announce(`${link.bank_name}: consent renewed.`))
            .then(refresh, (err: unknown) => ctx.announce(errorMessage(err)));
        })
      : null;
    return h(
      "li",
      { className: "bank-link", attrs: { "data-status": link.status } },
      h("strong", {}, link.bank_name),
      h("p", { className: "muted" }, `${when}. Shares: ${link.scopes.join(", ")}.`),
      consent,
      renew,
      unlink,
    );
  };

  async function refresh(): Promise<void> {
    try {
      const [found, entries] = await Promise.all([
        ctx.api.get<{ items: BankLink[] }>("/v1/bank-links"),
        ctx.api.get<Page<BankAccessLogEntry>>(`/v1/me/bank-access-log?limit=${LOG_PAGE_SIZE}`),
      ]);
      const add = button("Link a bank", "primary", () => void linkBank(ctx));
      replace(
        links,
        found.items.length === 0 ? h("p", { className: "muted" }, "No bank linked. Linking is your choice.") : null,
        h("ul", { className: "bank-links" }, found.items.map(linkItem)),
        add,
      );
      replace(
        log,
        entries.items.map((e) =>
          h(
            "li",
            {},
            h("span", {}, ACTIONS[e.action] ?? e.action),
            " ",
            h("time", { dateTime: e.created_at, className: "muted" }, formatDateTime(e.created_at, ctx.locale)),
          ),
        ),
      );
    } catch (err) {
      replace(links, h("p", { className: "error", attrs: { role: "alert" } }, errorMessage(err)));
    }
  }
  ctx.store.on("bankLink", () => void refresh(), scope);
  void refresh();
  return { links, log };
}
