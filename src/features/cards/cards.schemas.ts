import { z } from "@hono/zod-openapi";
import type { Card as CardRow, PayoutDestination } from "../../../db/schema";
import { idParams } from "../../http/fields";

export const MAX_CARDS_PER_PERSON = 5;

export const CardParams = idParams("card");

export const CardSetup = z
  .object({
    setup_intent_id: z.string(),
    client_secret: z
      .string()
      .openapi({ description: "Hand to Stripe.js (or the emulator) to collect and confirm the card" }),
    publishable_key: z.string().nullable(),
    mode: z.enum(["live", "emulator"]),
    emulator: z
      .object({
        test_payment_methods: z.array(z.string()),
        payout_tokens: z.array(z.string()),
        confirm_path: z.string(),
        authenticate_path: z
          .string()
          .openapi({ description: "Where a test customer finishes 3-D Secure (test card authenticationRequired)" }),
        browser_base_path: z.string().openapi({
          description: "Prefix for a browser on this origin: the app proxies these emulator paths (development only)",
          example: "/stripe-emulator",
        }),
      })
      .nullable()
      .openapi({ description: "Local demo only: Stripe test cards by name, and where to confirm the setup" }),
  })
  .openapi("CardSetup");

export const EnrollCardBody = z
  .strictObject({
    setup_intent_id: z.string().regex(/^seti_\w{1,250}$/),
    payout_token: z
      .string()
      .regex(/^(tok|btok)_\w{1,250}$/)
      .optional()
      .openapi({
        description: "A Stripe card token for the same debit card (Stripe.js createToken), to receive payouts on it",
      }),
  })
  .openapi("EnrollCardRequest");

export const Card = z
  .object({
    id: z.string(),
    brand: z.string(),
    last4: z.string(),
    exp_month: z.number().int(),
    exp_year: z.number().int(),
    funding: z.literal("debit"),
    country: z.string().nullable(),
    is_default: z.boolean(),
    receives_payouts: z.boolean(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Card");

export const CardList = z.object({ items: z.array(Card) }).openapi("CardList");

export const PayoutState = z
  .object({
    state: z.enum(["ready", "needs_card", "restricted"]),
    detail: z.string(),
    card: z.object({ id: z.string(), brand: z.string(), last4: z.string() }).nullable(),
  })
  .openapi("PayoutDestination");

export function toCardDto(card: CardRow, payoutCardId: string | null): z.infer<typeof Card> {
  return {
    id: card.id,
    brand: card.brand,
    last4: card.last4,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    funding: card.funding,
    country: card.country,
    is_default: card.is_default,
    receives_payouts: card.id === payoutCardId,
    created_at: card.created_at.toISOString(),
  };
}

const STATE_DETAIL = {
  ready: "Money sent to you is paid out to your debit card.",
  needs_card: "Add a debit card to receive money.",
  restricted: "Stripe needs more information before paying out to you.",
} as const;

export function toPayoutDto(destination: PayoutDestination | undefined, cards: CardRow[]): z.infer<typeof PayoutState> {
  const state = destination?.state ?? "needs_card";
  const card = cards.find((c) => c.id === destination?.card_id);
  return {
    state,
    detail: STATE_DETAIL[state],
    card: card ? { id: card.id, brand: card.brand, last4: card.last4 } : null,
  };
}
