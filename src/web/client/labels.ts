import type { Card, Payment, PaymentRequest, RequestShare } from "./api-types";
import { formatDateTime } from "./dom";

/** Names the view needs: "You" for the person signed in. */
export type NameOf = (userId: string) => string;

/** One line saying where a payment stands, from the viewer's side. */
export function paymentStatusText(p: Payment, viewerId: string, nameOf: NameOf, locale?: string): string {
  const sending = p.sender_id === viewerId;
  const recipient = nameOf(p.recipient_id);
  const sender = nameOf(p.sender_id);
  switch (p.status) {
    case "requires_confirmation":
      // Only the sender ever sees a payment before it is confirmed: the API shows it to nobody else.
      return "Waiting for you to confirm";
    case "processing":
      return "Processing";
    case "requires_action":
      return sending ? "Your bank needs you to confirm this payment" : "Processing";
    case "awaiting_recipient": {
      const by = p.claim_by ? ` by ${formatDateTime(p.claim_by, locale)}` : "";
      return sending
        ? `Waiting for ${recipient} to add a debit card${by}`
        : `Add a debit card to receive this${by}, or it goes back to ${sender}`;
    }
    case "paying_out":
      return sending ? `On its way to ${recipient}'s card` : "On its way to your card";
    case "paid_out":
      return sending ? `Paid out to ${recipient}` : "Paid out to your card";
    case "failed":
      return `Failed: ${p.failure?.message || "the payment did not go through"}`;
    case "canceled":
      return "Canceled";
    case "declined":
      return sending ? `Declined by ${recipient}` : "You declined it";
    case "expired":
      return "Expired before it was confirmed";
    case "refunded":
      return "Refunded";
    case "held":
      // Held by the risk decision: the recipient sees money on its way, never money received.
      if (!sending) return `Pending: ${sender}'s payment is on its way`;
      return p.risk?.held_until
        ? `Held until ${formatDateTime(p.risk.held_until, locale)}: you can cancel until then`
        : "Held while we check it for your safety; you can still cancel it";
  }
}

/** Who paid whom, in words: "You sent Bob", "Alice sent you". */
export function paymentHeadline(p: Payment, viewerId: string, nameOf: NameOf): string {
  if (p.sender_id === viewerId) return `You sent ${nameOf(p.recipient_id)}`;
  if (p.recipient_id === viewerId) return `${nameOf(p.sender_id)} sent you`;
  return `${nameOf(p.sender_id)} sent ${nameOf(p.recipient_id)}`;
}

export function requestHeadline(r: PaymentRequest, viewerId: string, nameOf: NameOf): string {
  const payers = r.shares.map((s) => s.payer_id);
  if (r.author_id === viewerId) return `You requested from ${payers.map(nameOf).join(", ")}`;
  return `${nameOf(r.author_id)} requested${payers.includes(viewerId) ? " from you" : ""}`;
}

/** A receipt's steps, as the sender and recipient would say them. */
const TIMELINE_TEXT: Record<string, string> = {
  requires_confirmation: "Created",
  processing: "Confirmed; charging the card",
  requires_action: "Waiting for the bank's confirmation",
  awaiting_recipient: "Waiting for the recipient to add a card",
  paying_out: "Paying out",
  paid_out: "Paid out",
  failed: "Failed",
  canceled: "Canceled",
  declined: "Declined",
  expired: "Expired",
  refunded: "Refunded",
};

export function timelineText(status: string): string {
  return TIMELINE_TEXT[status] ?? status.replaceAll("_", " ");
}

const SHARE_STATUS: Record<RequestShare["status"], string> = {
  pending: "not paid yet",
  paying: "paying",
  paid: "paid",
  declined: "declined",
};

export function shareStatusText(status: RequestShare["status"]): string {
  return SHARE_STATUS[status];
}

/**
 * Where a request stands. A request to one person names them (or "you"); a split counts who
 * has paid, each share being listed on the card.
 */
export function requestStatusText(r: PaymentRequest, viewerId: string, nameOf: NameOf): string {
  const mine = r.shares.find((s) => s.payer_id === viewerId);
  const paid = r.shares.filter((s) => s.status === "paid").length;
  const declined = r.shares.filter((s) => s.status === "declined").length;
  const only = r.shares.length === 1 ? r.shares[0] : undefined;
  switch (r.status) {
    case "completed":
      if (mine?.status === "declined") return "You declined";
      if (declined === 0) return "Paid";
      return only ? `Declined by ${nameOf(only.payer_id)}` : `${paid} paid, ${declined} declined`;
    case "canceled":
      return "Canceled";
    case "expired":
      return "Expired";
    case "open":
      if (only?.payer_id === viewerId)
        return only.status === "pending" ? "Waiting for you" : `You: ${SHARE_STATUS[only.status]}`;
      if (only) return `${nameOf(only.payer_id)}: ${SHARE_STATUS[only.status]}`;
      return `${paid} of ${r.shares.length} paid${declined ? `, ${declined} declined` : ""}`;
  }
}

/** The viewer's own share, as the card's main line: what they owe, or what became of it. */
export function ownShareText(share: RequestShare, r: PaymentRequest, amount: string): string {
  switch (share.status) {
    case "pending":
      return r.status === "open" ? `You owe ${amount}` : `Your share: ${amount}`;
    case "paying":
      return `Paying your ${amount}`;
    case "paid":
      return `You paid ${amount}`;
    case "declined":
      return `You declined ${amount}`;
  }
}

const SECURITY_EVENT_TEXT: Record<string, string> = {
  pin_set: "Payment PIN set",
  pin_changed: "Payment PIN changed",
  pin_failed: "Incorrect PIN entered",
  pin_locked: "PIN locked after too many incorrect attempts",
  pin_disabled: "PIN disabled after too many incorrect attempts",
  pin_reset: "Payment PIN reset",
  device_added: "Passkey added",
  device_removed: "Passkey removed",
  confirmation_succeeded: "Payment confirmed",
  card_added: "Card added",
  card_removed: "Card removed",
};

export function securityEventText(kind: string): string {
  return SECURITY_EVENT_TEXT[kind] ?? kind.replaceAll("_", " ");
}

/** Stripe's test cards by their names, described for people picking one in test mode. */
const TEST_CARDS: Record<string, string> = {
  visa_debit: "Visa debit",
  mastercard_debit: "Mastercard debit",
  visa: "Visa credit",
  mastercard: "Mastercard credit",
  visa_prepaid: "Visa prepaid",
  mastercard_prepaid: "Mastercard prepaid",
  chargeDeclined: "Debit card that is declined",
  chargeDeclinedInsufficientFunds: "Debit card with insufficient funds",
  chargeDeclinedLostCard: "Debit card reported lost",
  chargeDeclinedExpiredCard: "Debit card that has expired",
  chargeCustomerFail: "Debit card that fails when charged",
  authenticationRequired: "Debit card that asks for 3-D Secure",
  createDispute: "Debit card whose payments get disputed",
};

export function testCardLabel(name: string): string {
  return TEST_CARDS[name] ?? name;
}

/** Ordered as a person would look for them: working debit cards first. */
export function sortTestCards(names: string[]): string[] {
  const order = Object.keys(TEST_CARDS);
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return [...names].sort((a, b) => rank(a) - rank(b));
}

function brandName(brand: string): string {
  const names: Record<string, string> = { visa: "Visa", mastercard: "Mastercard", amex: "American Express" };
  return names[brand] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

/** "Visa debit •••• 5556": how a person recognises one of their cards. */
export function cardLabel(card: Pick<Card, "brand" | "funding" | "last4">): string {
  return `${brandName(card.brand)} ${card.funding} •••• ${card.last4}`;
}
