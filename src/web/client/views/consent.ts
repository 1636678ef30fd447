import { type Api, errorMessage, newIdempotencyKey } from "../api";
import type { ConsentList } from "../api-types";
import { busy, errorBox, h } from "../dom";

/** Whether the person stands by everything payments need: the current terms and payments itself. */
export const needsConsent = (consents: ConsentList): boolean => consents.purposes.some((p) => !p.standing);

/**
 * The first-run screen: what the person is asked to agree to (the terms at their current
 * version, and using their payment data for payments and nothing else), recorded when they
 * agree; nothing of payments opens until they have.
 */
export function consentView(api: Api, consents: ConsentList, onAgreed: () => void, onSignOut: () => void): HTMLElement {
  const errors = errorBox();
  const agree = h("button", { type: "button", className: "primary" }, "Agree and continue");
  agree.addEventListener(
    "click",
    () =>
      void busy(agree, async () => {
        errors.show(null);
        try {
          for (const { purpose, standing } of consents.purposes) {
            if (standing) continue;
            const version = purpose === "terms" ? consents.current_terms_version : undefined;
            await api.post("/v1/me/consents", {
              body: version ? { purpose, version } : { purpose },
              idempotencyKey: newIdempotencyKey(),
            });
          }
          onAgreed();
        } catch (err) {
          errors.show(errorMessage(err));
        }
      }),
  );
  const later = h("button", { type: "button", className: "link-button" }, "Not now (sign out)");
  later.addEventListener("click", onSignOut);
  return h(
    "main",
    { id: "main", className: "signin consent" },
    h("h1", {}, "Before you start"),
    h(
      "p",
      { className: "lead" },
      "chat-pay asks you to agree to two things. You can withdraw either later, under Privacy.",
    ),
    h(
      "ul",
      { className: "consent-purposes" },
      consents.purposes.map((p) =>
        h(
          "li",
          { attrs: { "data-purpose": p.purpose } },
          h(
            "strong",
            {},
            p.purpose === "terms" ? `The terms of service (version ${consents.current_terms_version})` : "Payments",
          ),
          h("p", {}, p.description),
        ),
      ),
    ),
    h(
      "p",
      { className: "muted" },
      "Your payment data is used for payments and nothing else: no advertising, no profile, no selling. You can download it or close your account at any time.",
    ),
    h("div", { className: "button-row wrap" }, agree, later),
    errors,
  );
}
