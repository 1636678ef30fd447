import type { BankScope } from "../../../db/schema";

/** Why the service asks: the one use the data is put to. */
export const LINK_PURPOSE =
  "Bank updates in your chat: your balance when you ask, receipts, fraud alerts, and messages with your bank";

const SCOPE_LINES: Record<BankScope, (bank: string) => string> = {
  balances: (bank) => `see your ${bank} balances, only when you ask and confirm it is you, and never keep them`,
  transaction_alerts: (bank) => `bring ${bank}'s receipts for your card purchases into a chat with ${bank}`,
  fraud_alerts: (bank) => `bring ${bank}'s fraud alerts into that chat and send your answers back to ${bank}`,
};

/**
 * The consent screen's words, in full: what is asked, why, for how long, what is kept and how
 * to stop. The link stores exactly this text, so the record shows what the person agreed to.
 */
export function disclosureText(input: {
  bank: string;
  scopes: readonly BankScope[];
  consentDays: number;
  retentionDays: number;
}): string {
  const { bank } = input;
  return [
    `chat-pay asks your permission to connect to ${bank} to:`,
    ...input.scopes.map((scope) => `- ${SCOPE_LINES[scope](bank)};`),
    `Purpose: ${LINK_PURPOSE}.`,
    "chat-pay uses this data for that conversation and nothing else: no analytics, no advertising, no profile. It keeps no balance or transaction history.",
    `Messages from ${bank} are deleted from chat-pay after ${input.retentionDays} days.`,
    `This permission lasts ${input.consentDays} days unless you renew it. You can end it at any time, in the chat or at ${bank}; when it ends, everything ${bank} sent is deleted and only this record of your consent remains.`,
  ].join("\n");
}
