import type { Migration } from "kysely";
import * as foundation from "./2026-11-22T0900-foundation";
import * as ledger from "./2026-11-22T1000-ledger";
import * as cards from "./2026-11-22T1100-cards";
import * as security from "./2026-11-22T1200-security";
import * as events from "./2026-11-22T1300-events";
import * as payments from "./2026-11-22T1400-payments";
import * as payoutReversals from "./2026-11-22T1500-payout-reversals";
import * as privatePaymentMessages from "./2026-12-02T0900-private-payment-messages";
import * as disputes from "./2026-12-03T0800-disputes";
import * as risk from "./2026-12-03T0900-risk";
import * as banks from "./2026-12-03T1000-banks";
import * as privacy from "./2026-12-03T1100-privacy";
import * as paymentReads from "./2026-12-04T0900-payment-reads";

/** Every migration, by name in the order they run; static imports so Workers can read the list too. */
export const migrations: Record<string, Migration> = {
  "2026-11-22T0900-foundation": foundation,
  "2026-11-22T1000-ledger": ledger,
  "2026-11-22T1100-cards": cards,
  "2026-11-22T1200-security": security,
  "2026-11-22T1300-events": events,
  "2026-11-22T1400-payments": payments,
  "2026-11-22T1500-payout-reversals": payoutReversals,
  "2026-12-02T0900-private-payment-messages": privatePaymentMessages,
  "2026-12-03T0800-disputes": disputes,
  "2026-12-03T0900-risk": risk,
  "2026-12-03T1000-banks": banks,
  "2026-12-03T1100-privacy": privacy,
  "2026-12-04T0900-payment-reads": paymentReads,
};
