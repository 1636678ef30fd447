import type { Payment } from "../../../db/schema";
import type { Confirmable } from "../../deps";

/**
 * Whether the sender has confirmed the payment: its funding (wallet or card) is chosen in the
 * same step. Until then only the sender sees it (see visibleTo in payments.repository.ts).
 */
export const isConfirmed = (payment: Payment): boolean => payment.funding !== null;

/** What a confirmation of this payment vouches for: any change to these invalidates it. */
export function confirmableOf(p: Payment): Confirmable {
  return {
    kind: "payment",
    id: p.id,
    payerId: p.sender_id,
    payeeId: p.recipient_id,
    amountMinor: p.amount_minor,
    currency: p.currency,
  };
}
