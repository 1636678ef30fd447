/**
 * Bank links: linking (the consent screen, then the bank's own approval screen, then back into
 * the chat), "Show balance" after a PIN or biometric step-up (shown once, never kept), and
 * unlinking.
 */
import { ApiError, errorMessage, IdempotentAction, newIdempotencyKey } from "../api";
import type { Balance, BalanceChallenge, BankLink, BankPartner, StartedBankLink } from "../api-types";
import type { Ctx } from "../context";
import { button, h } from "../dom";
import { formatMoney } from "../money";
import { pinErrorMessage } from "./pin";
import { inSheet, progress } from "./sheet-flow";
import { askStepUp, confirmationResponse } from "./step-up";

const SCOPE_LABELS: Record<BankPartner["scopes"][number], string> = {
  balances: "Show my balance when I ask",
  transaction_alerts: "Send me receipts when my card is used",
  fraud_alerts: "Ask me about suspicious card activity",
};

/** The consent screen: which bank, which scopes, then the exact disclosure; then off to the bank. */
export function linkBank(ctx: Ctx): Promise<void> {
  return inSheet(ctx, "Link your bank", async (sheet) => {
    sheet.show("Link your bank", progress("Loading banks…"));
    const partners = await ctx.api.get<{ items: BankPartner[] }>("/v1/bank-partners");
    const [partner] = partners.items;
    if (!partner) throw new Error("No bank can be linked on this server.");
    const scopes = await sheet.step<BankPartner["scopes"]>(`Link ${partner.name}`, (done) => {
      const boxes = partner.scopes.map((scope) => {
        const input = h("input", { type: "checkbox", checked: true, value: scope });
        return { scope, input, label: h("label", { className: "check" }, input, ` ${SCOPE_LABELS[scope]}`) };
      });
      const error = h("p", { className: "error", hidden: true, attrs: { role: "alert" } });
      const next = button("Next", "primary", () => {
        const chosen = boxes.filter((b) => b.input.checked).map((b) => b.scope);
        if (chosen.length === 0) {
          error.textContent = "Choose at least one.";
          error.hidden = false;
          return;
        }
        done(chosen);
      });
      return [
        h("p", {}, `Choose what ${partner.name} may share with you here. You can unlink at any time.`),
        ...boxes.map((b) => b.label),
        error,
        next,
      ];
    });
    sheet.show("Link your bank", progress("Preparing your consent…"));
    const action = new IdempotentAction();
    const body = { partner_id: partner.id, scopes };
    const started = await action.run(body, (key) =>
      ctx.api.post<StartedBankLink>("/v1/bank-links", { body, idempotencyKey: key }),
    );
    await sheet.step<void>("Your consent", (done) => {
      const go = button(`Agree and continue to ${partner.name}`, "primary", () => done());
      go.dataset.autofocus = "";
      return [h("pre", { className: "disclosure" }, started.link.disclosure), go];
    });
    sheet.show("Your consent", progress(`Opening ${partner.name}…`));
    location.assign(started.authorization_url);
  });
}

/**
 * Back from the bank: the redirect's `state` and `code` (or `error`) finish the link, the
 * address bar is cleaned, and the bank's new thread opens. Nothing when the page was not
 * opened by a bank's redirect.
 */
export async function finishBankLink(ctx: Ctx): Promise<void> {
  const params = new URLSearchParams(location.search);
  const state = params.get("state");
  const code = params.get("code");
  const error = params.get("error");
  if (!state || (!code && !error)) return;
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  await inSheet(ctx, "Linking your bank", async (sheet) => {
    sheet.show("Linking your bank", progress("Finishing with your bank…"));
    const link = await ctx.api.post<BankLink>("/v1/bank-links/callback", {
      body: { state, ...(code ? { code } : { error: error ?? "access_denied" }) },
      idempotencyKey: newIdempotencyKey(),
    });
    sheet.close();
    ctx.announce(`${link.bank_name} is linked.`);
    if (link.thread_id) ctx.navigate(`#/chats/${link.thread_id}`);
  });
}

async function readBalance(ctx: Ctx, link: BankLink): Promise<Balance> {
  return ctx.api.get<Balance>(`/v1/bank-links/${encodeURIComponent(link.id)}/balance`);
}

/**
 * "Show balance": read at once while a step-up is still fresh, otherwise after a new one (PIN
 * or biometric, bound to this link and this request). The figure lives only in the sheet.
 */
export function showBalance(ctx: Ctx, link: BankLink): Promise<void> {
  return inSheet(ctx, "Your balance", async (sheet) => {
    sheet.show("Your balance", progress(`Asking ${link.bank_name}…`));
    let balance: Balance | undefined;
    try {
      balance = await readBalance(ctx, link);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "BANK_STEP_UP_REQUIRED")) throw err;
    }
    let error: string | null = null;
    while (!balance) {
      const begun = await ctx.api.post<BalanceChallenge>(
        `/v1/bank-links/${encodeURIComponent(link.id)}/balance/challenge`,
        { idempotencyKey: newIdempotencyKey() },
      );
      const answer = await askStepUp(sheet, {
        title: "Confirm it is you",
        lead: h("p", {}, "Your balance is shown once and never kept."),
        methods: begun.challenge.methods.map((m) => m.method),
        error,
      });
      sheet.show("Your balance", progress("Checking…"));
      try {
        const response = await confirmationResponse(begun.challenge, answer);
        await ctx.api.post(`/v1/bank-links/${encodeURIComponent(link.id)}/balance/step-up`, {
          body: {
            request_id: begun.request_id,
            challenge_id: begun.challenge.challenge_id,
            method: answer.method,
            response,
          },
          idempotencyKey: newIdempotencyKey(),
        });
        sheet.show("Your balance", progress(`Asking ${link.bank_name}…`));
        balance = await readBalance(ctx, link);
      } catch (err) {
        error = answer.method === "pin" ? pinErrorMessage(err) : errorMessage(err);
      }
    }
    const shown = balance;
    await sheet.step<void>("Your balance", (done) => [
      h(
        "ul",
        { className: "balances" },
        shown.accounts.map((a) =>
          h(
            "li",
            {},
            h("span", { className: "account-name" }, a.name),
            h("strong", { className: "balance" }, formatMoney(a.balance_minor, a.currency, ctx.locale)),
          ),
        ),
      ),
      h("p", { className: "muted" }, `From ${link.bank_name}, just now. chat-pay does not keep it.`),
      button("Done", "primary", () => done()),
    ]);
    sheet.close();
  });
}

/** Unlinks after a confirmation: the bank is told, and everything it sent is deleted. */
export function unlinkBank(ctx: Ctx, link: BankLink): Promise<void> {
  return inSheet(ctx, `Unlink ${link.bank_name}`, async (sheet) => {
    await sheet.step<void>(`Unlink ${link.bank_name}`, (done) => [
      h(
        "p",
        {},
        `${link.bank_name} will be told to revoke chat-pay's access, and everything it sent here will be deleted. Your consent record stays in Security.`,
      ),
      button("Unlink", "primary", () => done()),
    ]);
    sheet.show(`Unlink ${link.bank_name}`, progress("Unlinking…"));
    await ctx.api.delete(`/v1/bank-links/${encodeURIComponent(link.id)}`);
    sheet.close();
    ctx.announce(`${link.bank_name} is unlinked.`);
  });
}
