import { z } from "@hono/zod-openapi";
import { PAYMENT_STATUSES, RISK_OUTCOMES, type RiskReport } from "../../../db/schema";
import { idParams, ownId, personId, typedText } from "../../http/fields";

export const NOTE_MAX = 500;
const note = typedText({ max: NOTE_MAX, lines: true }).optional().openapi({ example: "They asked for gift cards" });
/** Why an operator acts: required, kept in the audit trail. */
const reason = typedText({ min: 3, max: NOTE_MAX }).openapi({ example: "Recipient confirmed the sale by phone" });
const tier = z.enum(["unverified", "verified"]);

export const PaymentParams = idParams("pay");
export const ReportParams = idParams("rpt");
export const PersonParams = z.object({ id: personId.openapi({ param: { name: "id", in: "path" } }) });

export const PaymentReportBody = z
  .strictObject({
    reason: z.enum(["scam", "mistake", "unauthorized"]).openapi({
      description: "scam (either person); mistake or unauthorized (the sender only)",
    }),
    note,
  })
  .openapi("PaymentReportRequest");

export const PersonReportBody = z
  .strictObject({
    thread_id: ownId("thr").openapi({ description: "A thread you and they are both in" }),
    reason: z.enum(["scam", "abuse"]),
    note,
  })
  .openapi("PersonReportRequest");

export const Report = z
  .object({
    id: z.string(),
    reason: z.enum(["scam", "mistake", "unauthorized", "abuse"]),
    status: z.enum(["open", "upheld", "dismissed"]),
    payment_id: z.string().nullable(),
    subject_id: z.string(),
    return_request_id: z
      .string()
      .nullable()
      .openapi({ description: "A mistake: the request asking the recipient to send the money back" }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Report");

export function toReportDto(r: RiskReport): z.infer<typeof Report> {
  return {
    id: r.id,
    reason: r.reason,
    status: r.status,
    payment_id: r.payment_id,
    subject_id: r.subject_id,
    return_request_id: r.return_request_id,
    created_at: r.created_at.toISOString(),
  };
}

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
});

export const ReportsQuery = PageQuery.extend({ status: z.enum(["open", "upheld", "dismissed"]).default("open") });

export const OperatorDecisionBody = z.strictObject({ reason }).openapi("OperatorDecisionRequest");

export const ResolveReportBody = z
  .strictObject({ outcome: z.enum(["upheld", "dismissed"]), reason })
  .openapi("ResolveReportRequest");

export const PersonRiskBody = z
  .strictObject({
    tier: tier.optional().openapi({ description: "Verified people get higher thresholds and fewer checks" }),
    limited: z.boolean().optional().openapi({ description: "true: payments to and from them are refused" }),
    reason,
  })
  .refine((b) => b.tier !== undefined || b.limited !== undefined, { message: "set tier, limited or both" })
  .openapi("PersonRiskRequest");

const PersonFacts = z
  .object({
    id: z.string(),
    account_created_at: z.string().nullable().openapi({ format: "date-time" }),
    tier,
    limited: z.boolean(),
    credible_reports: z.number().int(),
  })
  .openapi("RiskPersonFacts");

const Reason = z.object({ code: z.string(), outcome: z.enum(RISK_OUTCOMES), message: z.string() });

export const HeldCasePage = z
  .object({
    items: z.array(
      z.object({
        payment: z.object({
          id: z.string(),
          status: z.enum(PAYMENT_STATUSES),
          amount_minor: z.number().int(),
          currency: z.string(),
          memo: z.string().nullable(),
          funding: z.enum(["wallet", "card"]).nullable(),
          risk_outcome: z.enum(RISK_OUTCOMES).nullable(),
          held_until: z.string().nullable().openapi({ format: "date-time" }),
          created_at: z.string().openapi({ format: "date-time" }),
        }),
        decisions: z.array(
          z.object({
            stage: z.enum(["create", "confirm"]),
            outcome: z.enum(RISK_OUTCOMES),
            reasons: z.array(Reason),
            rules_version: z.number().int(),
            at: z.string().openapi({ format: "date-time" }),
          }),
        ),
        sender: PersonFacts,
        recipient: PersonFacts,
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .openapi("HeldCasePage");

export const ReportCasePage = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        reason: z.enum(["scam", "mistake", "unauthorized", "abuse"]),
        status: z.enum(["open", "upheld", "dismissed"]),
        note: z.string().nullable(),
        reporter_id: z.string(),
        payment_id: z.string().nullable(),
        created_at: z.string().openapi({ format: "date-time" }),
        subject: PersonFacts,
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .openapi("ReportCasePage");

export const PersonRisk = z.object({ id: z.string(), tier, limited: z.boolean() }).openapi("PersonRisk");
