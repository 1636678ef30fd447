import { z } from "@hono/zod-openapi";
import type { PaymentRequestShare, PaymentRequest as RequestRow } from "../../../db/schema";
import { idParams, personId } from "../../http/fields";
import { amountMinor, memo } from "../payments";

export const RequestParams = idParams("req");

export const CreateRequestBody = z
  .strictObject({
    amount_minor: amountMinor.openapi({ description: "The total asked for" }),
    currency: z.string().regex(/^[A-Z]{3}$/),
    memo: memo.optional(),
    payer_ids: z.array(personId).min(1).max(49).optional().openapi({ description: "Split equally among these" }),
    shares: z
      .array(z.strictObject({ payer_id: personId, amount_minor: amountMinor }))
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: "Explicit amounts; must sum to the total (your own share, if any, is not asked for)" }),
    include_self: z.boolean().default(false).openapi({ description: "Equal split: count yourself in as one share" }),
  })
  .openapi("CreateRequestRequest");

export const Request = z
  .object({
    id: z.string(),
    thread_id: z.string(),
    author_id: z.string(),
    amount_minor: z.number().int(),
    currency: z.string(),
    memo: z.string().nullable(),
    status: z.enum(["open", "completed", "canceled", "expired"]),
    expires_at: z.string().openapi({ format: "date-time" }),
    shares: z.array(
      z.object({
        payer_id: z.string(),
        amount_minor: z.number().int(),
        status: z.enum(["pending", "paying", "paid", "declined"]),
        payment_id: z.string().nullable(),
      }),
    ),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("PaymentRequest");

export function toRequestDto(r: RequestRow, shares: PaymentRequestShare[]): z.infer<typeof Request> {
  return {
    id: r.id,
    thread_id: r.thread_id,
    author_id: r.author_id,
    amount_minor: Number(r.amount_minor),
    currency: r.currency,
    memo: r.memo,
    status: r.status,
    expires_at: r.expires_at.toISOString(),
    shares: shares.map((s) => ({
      payer_id: s.payer_id,
      amount_minor: Number(s.amount_minor),
      status: s.status,
      // A pending share's payment is its payer's unconfirmed intention, not the thread's business.
      payment_id: s.status === "pending" ? null : s.payment_id,
    })),
    created_at: r.created_at.toISOString(),
  };
}
