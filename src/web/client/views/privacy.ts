import { newIdempotencyKey } from "../api";
import type { ConsentList, PrivacySettings } from "../api-types";
import type { Ctx } from "../context";
import { busy, button, errorBox, field, formatDateTime, guardedBy, h, replace, uniqueId } from "../dom";
import { closeMyAccount, downloadMyData } from "../flows/privacy";

const AUDIENCES: [PrivacySettings["requests_from"], string][] = [
  ["everyone", "Everyone"],
  ["people_i_paid", "Only people I have paid"],
  ["nobody", "Nobody"],
];

function section(title: string, ...content: (Node | null)[]): HTMLElement {
  return h("section", { className: "panel" }, h("h3", {}, title), ...content);
}

function audienceSelect(name: string, value: PrivacySettings["requests_from"]): HTMLSelectElement {
  const select = h("select", { name, id: uniqueId(name) });
  for (const [option, label] of AUDIENCES) {
    select.append(h("option", { value: option, selected: option === value }, label));
  }
  return select;
}

/** Who may reach the person, what they agreed to, their data to take, and closing the account. */
export function privacyView(ctx: Ctx, onClosed: () => void): HTMLElement {
  const errors = errorBox();
  const reachPanel = h("div", {}, h("p", { className: "muted" }, "Loading…"));
  const consentsPanel = h("div", {}, h("p", { className: "muted" }, "Loading…"));

  const guard = guardedBy(errors);

  const loadReach = async () => {
    const settings = await ctx.api.get<PrivacySettings>("/v1/me/privacy");
    const threads = audienceSelect("threads_from", settings.threads_from);
    const requests = audienceSelect("requests_from", settings.requests_from);
    const save = h("button", { type: "submit", className: "primary" }, "Save");
    const form = h(
      "form",
      { className: "stack" },
      field("Who can start a chat with you", threads),
      field("Who can ask you for money", requests),
      save,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void busy(save, () =>
        guard(async () => {
          await ctx.api.put("/v1/me/privacy", {
            body: { threads_from: threads.value, requests_from: requests.value },
          });
          ctx.announce("Saved.");
        }),
      );
    });
    replace(reachPanel, form);
  };

  const loadConsents = async () => {
    const consents = await ctx.api.get<ConsentList>("/v1/me/consents");
    const change = (purpose: string, standing: boolean) =>
      guard(async () => {
        if (standing) {
          await ctx.api.post(`/v1/me/consents/${encodeURIComponent(purpose)}/withdraw`, {
            idempotencyKey: newIdempotencyKey(),
          });
        } else {
          const version = purpose === "terms" ? consents.current_terms_version : undefined;
          await ctx.api.post("/v1/me/consents", {
            body: version ? { purpose, version } : { purpose },
            idempotencyKey: newIdempotencyKey(),
          });
        }
        await loadConsents();
      });
    replace(
      consentsPanel,
      h(
        "ul",
        { className: "rows" },
        consents.purposes.map((p) =>
          h(
            "li",
            { attrs: { "data-purpose": p.purpose, "data-standing": String(p.standing) } },
            h("span", {}, p.description),
            h("span", { className: "muted" }, p.standing ? "Agreed" : "Not agreed"),
            button(p.standing ? "Withdraw" : "Agree", "secondary small", () => void change(p.purpose, p.standing)),
          ),
        ),
      ),
      consents.purposes.some((p) => p.purpose === "payments" && !p.standing)
        ? h("p", { className: "muted" }, "Without it you cannot send or ask for money.")
        : null,
      consents.bank_links.length > 0
        ? h(
            "ul",
            { className: "rows bank-consents" },
            consents.bank_links.map((link) =>
              h(
                "li",
                {},
                h("span", {}, `Bank link: ${link.scopes.join(", ")}`),
                h(
                  "span",
                  { className: "muted" },
                  link.ended_at
                    ? `ended ${formatDateTime(link.ended_at, ctx.locale)}`
                    : `since ${formatDateTime(link.granted_at, ctx.locale)}; unlink it under Security`,
                ),
              ),
            ),
          )
        : null,
      h(
        "details",
        {},
        h("summary", {}, "History"),
        h(
          "ul",
          { className: "events" },
          consents.items.map((c) =>
            h(
              "li",
              {},
              h("span", {}, `${c.purpose}${c.version ? ` ${c.version}` : ""}`),
              h(
                "span",
                { className: "muted" },
                `agreed ${formatDateTime(c.granted_at, ctx.locale)}${c.withdrawn_at ? `, withdrawn ${formatDateTime(c.withdrawn_at, ctx.locale)}` : ""}`,
              ),
            ),
          ),
        ),
      ),
    );
  };

  void guard(async () => {
    await Promise.all([loadReach(), loadConsents()]);
  });

  return h(
    "div",
    { className: "page privacy" },
    h("h2", {}, "Privacy"),
    errors,
    section("Who can reach you", reachPanel),
    section("What you agreed to", consentsPanel),
    section(
      "Your data",
      h("p", { className: "muted" }, "Everything we hold about you, after you confirm it is you. It is not kept."),
      button("Download my data", "secondary", () => void downloadMyData(ctx)),
    ),
    section(
      "Close your account",
      h("p", { className: "muted" }, "Once no money is moving or waiting for you."),
      button("Close my account…", "secondary", () => void closeMyAccount(ctx, onClosed)),
    ),
  );
}
