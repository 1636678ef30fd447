import { type Context, Hono } from "hono";
import { type BankControl, MERCHANT_MAX, purchaseOf } from "./control";
import { escapeHtml, formFields, page } from "./html";
import type { BankStore } from "./store";

/** The form's purchase (its amount in dollars), checked as the control checks any. */
const formPurchase = (store: BankStore, form: Record<string, string>) =>
  purchaseOf(store, {
    persona: form.persona,
    merchant: form.merchant,
    amountMinor: Math.round(Number(form.amount) * 100),
  });

function home(store: BankStore, control: BankControl, notice: string | undefined): string {
  const personas = store.personas
    .map((p) => `<option value="${escapeHtml(p.persona)}">${escapeHtml(p.name)}</option>`)
    .join("");
  const purchase = (action: string, label: string, merchant: string, amount: string) => `
<form method="post" action="${action}">
<label>Customer <select name="persona">${personas}</select></label>
<label>Merchant <input name="merchant" value="${merchant}" maxlength="${MERCHANT_MAX}" required></label>
<label>Amount (USD) <input name="amount" value="${amount}" inputmode="decimal" required></label>
<button type="submit">${label}</button>
</form>`;
  const consents = control
    .consents()
    .filter((c) => c.status === "active")
    .map(
      (c) => `<li>${escapeHtml(c.persona)}: ${escapeHtml(c.scopes.join(", "))}
<form method="post" action="/app/consents/${escapeHtml(c.consentId)}/revoke"><button type="submit">Revoke chat-pay's access</button></form></li>`,
    )
    .join("");
  return page(
    "Emulated Bank",
    `<p class="bank">Emulated Bank</p><h1>The bank's side (demo)</h1>
${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ""}
<h2>Use the card</h2>${purchase("/app/purchases", "Make a card purchase", "Corner Grocer", "43.12")}
<h2>Suspicious activity</h2>${purchase("/app/fraud-alerts", "Flag a suspicious purchase", "Gadget Outlet", "912.00")}
<h2>Apps with access</h2>${consents ? `<ul>${consents}</ul>` : "<p>No app has access.</p>"}`,
  );
}

/**
 * The bank's own pages for the demo, at the emulator's root: make a card purchase, flag a
 * suspicious one, and revoke chat-pay's access, as a person would in their bank's app. Each
 * action goes through the same control as the tests' and sends the same signed webhooks.
 */
export function bankAppRoutes(store: BankStore, control: BankControl) {
  const back = (c: Context, notice: string) => c.redirect(`/?notice=${encodeURIComponent(notice)}`, 303);
  return new Hono()
    .get("/", (c) => c.html(home(store, control, c.req.query("notice"))))
    .post("/app/purchases", async (c) => {
      const purchase = formPurchase(store, await formFields(c));
      if (!purchase) return back(c, "Choose a customer, a merchant and an amount.");
      control.purchase(purchase);
      return back(c, `Purchase at ${purchase.merchant} made; receipts sent.`);
    })
    .post("/app/fraud-alerts", async (c) => {
      const purchase = formPurchase(store, await formFields(c));
      if (!purchase) return back(c, "Choose a customer, a merchant and an amount.");
      control.fraudAlert(purchase);
      return back(c, `Suspicious purchase at ${purchase.merchant} flagged; alerts sent.`);
    })
    .post("/app/consents/:id/revoke", (c) => {
      const consent = store.consents.get(c.req.param("id"));
      if (consent?.status !== "active") return back(c, "That access was already revoked.");
      control.endConsent(consent.consentId);
      return back(c, "chat-pay's access was revoked; it has been told.");
    });
}
