import { z } from "@hono/zod-openapi";
import { AUDIENCES, type Consent as ConsentRow } from "../../../db/schema";
import { idParams } from "../../http/fields";
import { ConfirmationChallenge } from "../confirmation";
import { CONSENT_PURPOSE_NAMES } from "./consents";

const dateTime = z.string().openapi({ format: "date-time" });
const audience = z.enum(AUDIENCES).openapi({
  description: "`everyone`; `people_i_paid`: only people you have paid; `nobody`",
});
const purpose = z.enum(CONSENT_PURPOSE_NAMES);

export const PrivacySettings = z
  .object({ requests_from: audience, threads_from: audience, updated_at: dateTime.nullable() })
  .openapi("PrivacySettings");

export const UpdatePrivacySettingsBody = z
  .strictObject({
    requests_from: audience.openapi({ description: "Who may ask you for money" }),
    threads_from: audience.openapi({ description: "Who may start a thread with you" }),
  })
  .openapi("UpdatePrivacySettingsRequest");

export const Consent = z
  .object({
    id: z.string(),
    purpose: z.string(),
    version: z.string().nullable(),
    granted_at: dateTime,
    withdrawn_at: dateTime.nullable(),
  })
  .openapi("Consent");

export const ConsentList = z
  .object({
    current_terms_version: z.string(),
    purposes: z.array(z.object({ purpose, description: z.string(), standing: z.boolean() })),
    items: z.array(Consent).openapi({ description: "Every agreement, standing and withdrawn, newest first" }),
    bank_links: z
      .array(
        z.object({
          link_id: z.string(),
          partner_id: z.string(),
          scopes: z.array(z.string()),
          purpose: z.string(),
          granted_at: dateTime,
          expires_at: dateTime.nullable(),
          ended_at: dateTime.nullable(),
        }),
      )
      .openapi({ description: "Bank links you granted, each a consent of its own (end one by unlinking it)" }),
  })
  .openapi("ConsentList");

export const GrantConsentBody = z
  .strictObject({
    purpose,
    version: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/)
      .optional()
      .openapi({ description: "terms only: the version you read (the current one)" }),
  })
  .openapi("GrantConsentRequest");

export const ConsentParams = z.object({ purpose: purpose.openapi({ param: { name: "purpose", in: "path" } }) });

export const ExportParams = idParams("exp");

export const ExportStarted = z
  .object({ export_id: z.string(), confirmation: ConfirmationChallenge })
  .openapi("ExportStarted");

export const ExportArchive = z
  .object({
    format: z.string(),
    person_id: z.string(),
    generated_at: dateTime,
    tables: z
      .record(
        z.string(),
        z.object({
          retention: z.string(),
          rows: z.array(z.looseObject({})),
          rows_about_you: z
            .array(z.looseObject({}))
            .optional()
            .openapi({ description: "Rows about you in another role (a report about you), with fewer columns" }),
        }),
      )
      .openapi({ description: "Every table with rows about you: its rows and how long it keeps them" }),
    statement_csv: z.string().openapi({ description: "Your payments as CSV (RFC 4180)" }),
  })
  .openapi("ExportArchive");

export const ClosureCheck = z
  .object({
    closable: z.boolean(),
    reasons: z.array(z.object({ code: z.string(), message: z.string() })).openapi({
      description: "What stands in the way: payments_in_flight, money_unclaimed, wallet_not_empty, requests_open",
    }),
  })
  .openapi("ClosureCheck");

export const AccountClosed = z.object({ closed_at: dateTime }).openapi("AccountClosed");

export function toConsentDto(c: ConsentRow): z.infer<typeof Consent> {
  return {
    id: c.id,
    purpose: c.purpose,
    version: c.version,
    granted_at: c.granted_at.toISOString(),
    withdrawn_at: c.withdrawn_at?.toISOString() ?? null,
  };
}
