import { z } from "@hono/zod-openapi";
import { BANK_SCOPES, type BankAlert as BankAlertRow, type BankLink as BankLinkRow } from "../../../db/schema";
import { idParams, ownId, typedText } from "../../http/fields";
import { ConfirmationChallenge, ConfirmBody } from "../confirmation";

export const BankLinkParams = idParams("bkl");
export const BankPartnerParams = z.object({
  partner: z
    .string()
    .regex(/^[a-z0-9-]{2,32}$/)
    .openapi({ param: { name: "partner", in: "path" }, example: "emubank" }),
});

const dateTime = (description?: string) =>
  z.string().openapi({ format: "date-time", ...(description ? { description } : {}) });
const Scope = z.enum(BANK_SCOPES);

export const BankPartner = z
  .object({ id: z.string(), name: z.string(), scopes: z.array(Scope) })
  .openapi("BankPartner");
export const BankPartnerList = z.object({ items: z.array(BankPartner) }).openapi("BankPartnerList");

export const BankLink = z
  .object({
    id: z.string(),
    partner_id: z.string(),
    bank_name: z.string(),
    status: z.enum(["pending", "active", "revoked", "expired"]),
    scopes: z.array(Scope),
    purpose: z.string(),
    disclosure: z.string().openapi({ description: "The exact consent text shown before authorizing" }),
    thread_id: z.string().nullable().openapi({ description: "The bank's thread in your chat list, once linked" }),
    created_at: dateTime(),
    granted_at: dateTime().nullable(),
    expires_at: dateTime("Renew (reconfirm) before then, or the link ends").nullable(),
    reconfirmed_at: dateTime().nullable(),
    ended_at: dateTime().nullable(),
    ended_by: z.enum(["person", "bank", "expiry"]).nullable(),
  })
  .openapi("BankLink");
export const BankLinkList = z.object({ items: z.array(BankLink) }).openapi("BankLinkList");

export const StartBankLinkBody = z
  .strictObject({
    partner_id: z.string().min(1).max(32),
    scopes: z.array(Scope).min(1).max(BANK_SCOPES.length),
  })
  .openapi("StartBankLinkRequest");

export const StartedBankLink = z
  .object({
    link: BankLink,
    authorization_url: z.string().openapi({ description: "Send the person here to approve at their bank" }),
  })
  .openapi("StartedBankLink");

const oauthParam = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII");
export const CompleteBankLinkBody = z
  .strictObject({
    state: oauthParam,
    code: oauthParam.optional(),
    error: oauthParam.optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.error === undefined), "send either code or error, as the bank gave it")
  .openapi("CompleteBankLinkRequest");

export const BalanceChallenge = z
  .object({
    request_id: z
      .string()
      .openapi({ description: "Send it back with the answer; the challenge is bound to it and the link" }),
    challenge: ConfirmationChallenge,
  })
  .openapi("BankBalanceChallenge");

export const StepUpBody = ConfirmBody.extend({ request_id: ownId("bbr") }).openapi("BankStepUpRequest");
export const SteppedUp = z
  .object({ stepped_up_until: dateTime("Balance reads need no new step-up until then (extended while used)") })
  .openapi("BankStepUp");

export const Balance = z
  .object({
    accounts: z.array(
      z.object({
        name: z.string(),
        type: z.string(),
        balance_minor: z.number().int(),
        available_minor: z.number().int().nullable().openapi({ description: "null when the bank gives none" }),
        currency: z.string(),
      }),
    ),
    as_of: dateTime(),
  })
  .openapi("BankBalance", { description: "Read live from the bank for this answer only; never stored" });

export const BankAlert = z
  .object({
    id: z.string(),
    link_id: z.string(),
    message_id: z.string(),
    status: z.enum(["open", "answered", "closed"]),
    answer: z.enum(["it_was_me", "not_me"]).nullable(),
    created_at: dateTime(),
  })
  .openapi("BankAlert");
export const BankAlertList = z.object({ items: z.array(BankAlert) }).openapi("BankAlertList");
export const AnswerAlertBody = z
  .strictObject({ alert_id: ownId("bka"), answer: z.enum(["it_was_me", "not_me"]) })
  .openapi("AnswerBankAlertRequest");

export const RELAY_TEXT_MAX = 2000;
export const RelayBody = z
  .strictObject({ body: typedText({ min: 1, max: RELAY_TEXT_MAX, lines: true }) })
  .openapi("BankMessageRequest");
export const Relayed = z
  .object({ message_id: z.string(), status: z.enum(["pending", "sent", "failed"]) })
  .openapi("BankMessageRelay", { description: "The message appears in the thread; the text is not echoed here" });

export const AccessLogEntry = z
  .object({
    id: z.string(),
    link_id: z.string(),
    action: z.string().openapi({ example: "balance_fetched" }),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    created_at: dateTime(),
  })
  .openapi("BankAccessLogEntry");
export const AccessLogPage = z
  .object({ items: z.array(AccessLogEntry), next_cursor: z.string().nullable() })
  .openapi("BankAccessLogPage");

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toBankLinkDto(link: BankLinkRow, bankName: string): z.infer<typeof BankLink> {
  return {
    id: link.id,
    partner_id: link.partner_id,
    bank_name: bankName,
    status: link.status,
    scopes: link.scopes,
    purpose: link.purpose,
    disclosure: link.disclosure,
    thread_id: link.thread_id,
    created_at: link.created_at.toISOString(),
    granted_at: iso(link.granted_at),
    expires_at: iso(link.expires_at),
    reconfirmed_at: iso(link.reconfirmed_at),
    ended_at: iso(link.ended_at),
    ended_by: link.ended_by,
  };
}

export function toBankAlertDto(alert: BankAlertRow): z.infer<typeof BankAlert> {
  return {
    id: alert.id,
    link_id: alert.link_id,
    message_id: alert.message_id,
    status: alert.status,
    answer: alert.answer,
    created_at: alert.created_at.toISOString(),
  };
}
