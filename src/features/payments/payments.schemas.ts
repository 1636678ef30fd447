import { z } from "@hono/zod-openapi";
import { PAYMENT_STATUSES, type Payment as PaymentRow, RISK_OUTCOMES } from "../../../db/schema";
import { idParams, ownId, personId, typedText } from "../../http/fields";
import { idempotencyKey } from "../../http/router";
import { ConfirmationChallenge, ConfirmBody } from "../confirmation";

export const MEMO_MAX = 140;

export const PaymentParams = idParams("pay");

export const ThreadPaymentParams = idParams("thr");

/**
 * Required by the verb (400 IDEMPOTENCY_KEY_REQUIRED when missing), so the refusal has its own
 * clear code: optional to the validator, required in the document.
 */
export const RequiredIdempotencyKeyHeader = z.object({
  "idempotency-key": idempotencyKey.openapi({
    param: { required: true },
    description: "Required, 1-255 printable ASCII characters: retries with the same key never create a second payment",
  }),
});

/** A payment's or request's note: one line others read in the chat, never a card number (checked by the verbs). */
export const memo = typedText({ max: MEMO_MAX });

export const amountMinor = z
  .number()
  .int("must be a whole number of minor units (cents for USD)")
  .positive("must be more than zero")
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ example: 1234, description: "In the currency's minor unit: 1234 is $12.34" });

export const CreatePaymentBody = z
  .strictObject({
    recipient_id: personId,
    amount_minor: amountMinor,
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD")
      .openapi({ example: "USD" }),
    memo: memo.optional().openapi({ example: "pizza" }),
  })
  .openapi("CreatePaymentRequest");

/** A confirmation, with the codes of the risk warnings the sender read and acknowledges. */
export const ConfirmPaymentBody = ConfirmBody.extend({
  acknowledged_warnings: z
    .array(z.string().regex(/^[a-z0-9_]{1,64}$/, "a warning's code, as the payment's risk.warnings gives it"))
    .max(32)
    .optional()
    .openapi({ example: ["first_payee"], description: "None when the payment showed no warnings" }),
}).openapi("ConfirmPaymentRequest");

export const PaymentsQuery = z.strictObject({
  direction: z.enum(["sent", "received"]).optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  thread_id: ownId("thr").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
});

export const Payment = z
  .object({
    id: z.string(),
    thread_id: z.string(),
    sender_id: z.string(),
    recipient_id: z.string(),
    request_id: z.string().nullable(),
    amount_minor: z.number().int(),
    currency: z.string(),
    memo: z.string().nullable(),
    status: z.enum(PAYMENT_STATUSES),
    funding: z.enum(["wallet", "card"]).nullable(),
    failure: z.object({ code: z.string(), message: z.string() }).nullable(),
    next_action: z
      .object({
        type: z.literal("authenticate_card"),
        payment_intent_id: z.string(),
        client_secret: z.string().nullable().openapi({
          description: "Read from Stripe when the sender asks (never stored); null in live events: GET the payment",
        }),
      })
      .nullable()
      .openapi({
        description: "Sender only: 3-D Secure to finish with Stripe.js; the payment completes from Stripe's webhook",
      }),
    risk: z
      .object({
        outcome: z.enum(RISK_OUTCOMES),
        warnings: z
          .array(z.object({ code: z.string(), message: z.string() }))
          .openapi({ description: "Acknowledge each (their codes in `acknowledged_warnings`) when confirming" }),
        acknowledged_at: z.string().nullable().openapi({ format: "date-time" }),
        held_until: z
          .string()
          .nullable()
          .openapi({ format: "date-time", description: "Held: when it moves unless canceled (null: held for review)" }),
      })
      .nullable()
      .openapi({ description: "Sender only: the risk decision on this payment, its warnings and any hold" }),
    confirm_by: z.string().openapi({ format: "date-time" }),
    claim_by: z.string().nullable().openapi({ format: "date-time" }),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
    actions: z
      .array(z.enum(["confirm", "cancel", "decline", "add_card_to_receive"]))
      .openapi({ description: "What the person asking can do now" }),
  })
  .openapi("Payment");

export const PaymentPage = z
  .object({ items: z.array(Payment), next_cursor: z.string().nullable() })
  .openapi("PaymentPage");

export type PaymentDto = z.infer<typeof Payment>;

/** The payment as this person sees it: what they may do, and the 3-D Secure secret only for the sender. */
export function toPaymentDto(p: PaymentRow, viewerId: string, clientSecret: string | null = null): PaymentDto {
  const isSender = viewerId === p.sender_id;
  const actions: PaymentDto["actions"] = [];
  if (isSender && p.status === "requires_confirmation") actions.push("confirm", "cancel");
  if (isSender && (p.status === "awaiting_recipient" || p.status === "held")) actions.push("cancel");
  if (!isSender && p.status === "awaiting_recipient") actions.push("decline", "add_card_to_receive");
  return {
    id: p.id,
    thread_id: p.thread_id,
    sender_id: p.sender_id,
    recipient_id: p.recipient_id,
    request_id: p.request_id,
    amount_minor: Number(p.amount_minor),
    currency: p.currency,
    memo: p.memo,
    status: p.status,
    funding: p.funding,
    failure: p.failure_code ? { code: p.failure_code, message: p.failure_message ?? "" } : null,
    next_action:
      isSender && p.status === "requires_action" && p.payment_intent_id
        ? { type: "authenticate_card", payment_intent_id: p.payment_intent_id, client_secret: clientSecret }
        : null,
    risk:
      isSender && p.risk_outcome
        ? {
            outcome: p.risk_outcome,
            warnings: p.risk_warnings,
            acknowledged_at: p.risk_acknowledged_at?.toISOString() ?? null,
            held_until: p.held_until?.toISOString() ?? null,
          }
        : null,
    confirm_by: p.confirm_by.toISOString(),
    claim_by: p.claim_by?.toISOString() ?? null,
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
    actions,
  };
}

/** What sending (or paying a request) answers: the payment and how to confirm it. */
export const CreatedPayment = z
  .object({ payment: Payment, confirmation: ConfirmationChallenge.nullable() })
  .openapi("CreatedPayment");

export const Receipt = z
  .object({
    payment: Payment,
    from: z.string(),
    to: z.string(),
    timeline: z.array(z.object({ status: z.string(), at: z.string().openapi({ format: "date-time" }) })),
  })
  .openapi("Receipt");
