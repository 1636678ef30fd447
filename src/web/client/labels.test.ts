import { describe, expect, it } from "vitest";
import type { PaymentRequest, RequestShare } from "./api-types";
import { cardLabel, ownShareText, requestStatusText } from "./labels";

const nameOf = (id: string) => (id === "me" ? "You" : id.charAt(0).toUpperCase() + id.slice(1));
const share = (payer_id: string, status: RequestShare["status"], amount_minor = 1000): RequestShare => ({
  payer_id,
  amount_minor,
  status,
  payment_id: null,
});
const request = (status: PaymentRequest["status"], shares: RequestShare[]): PaymentRequest => ({
  id: "req_1",
  thread_id: "thr_1",
  author_id: "carol",
  amount_minor: 3000,
  currency: "USD",
  memo: null,
  status,
  expires_at: "2026-01-22T12:00:00.000Z",
  shares,
  created_at: "2026-01-15T12:00:00.000Z",
});

describe("request labels", () => {
  it("names the one person asked, or counts who has paid in a split", () => {
    expect(requestStatusText(request("open", [share("me", "pending")]), "me", nameOf)).toBe("Waiting for you");
    expect(requestStatusText(request("open", [share("bob", "paying")]), "carol", nameOf)).toBe("Bob: paying");
    const split = [share("alice", "paid"), share("bob", "pending"), share("dan", "declined")];
    expect(requestStatusText(request("open", split), "carol", nameOf)).toBe("1 of 3 paid, 1 declined");
  });

  it("says who declined once a request is settled", () => {
    expect(requestStatusText(request("completed", [share("bob", "paid")]), "carol", nameOf)).toBe("Paid");
    expect(requestStatusText(request("completed", [share("bob", "declined")]), "carol", nameOf)).toBe(
      "Declined by Bob",
    );
    const split = [share("alice", "paid"), share("me", "declined")];
    expect(requestStatusText(request("completed", split), "me", nameOf)).toBe("You declined");
    expect(requestStatusText(request("completed", split), "carol", nameOf)).toBe("1 paid, 1 declined");
  });

  it("leads with the viewer's own share", () => {
    const open = request("open", []);
    expect(ownShareText(share("me", "pending"), open, "$10.00")).toBe("You owe $10.00");
    expect(ownShareText(share("me", "paid"), open, "$10.00")).toBe("You paid $10.00");
    expect(ownShareText(share("me", "pending"), request("expired", []), "$10.00")).toBe("Your share: $10.00");
  });

  it("names a card as people recognise it", () => {
    expect(cardLabel({ brand: "visa", funding: "debit", last4: "5556" })).toBe("Visa debit •••• 5556");
  });
});
