import type { BankLink, BankScope } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { textProblem } from "../../http/fields";
import { type Trx, withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { formatAmount } from "../payments";
import {
  findLinkByConsent,
  insertAlert,
  lockAlertByBankId,
  lockLink,
  recordWebhookEvent,
  updateAlert,
} from "./banks.repository";
import { endLinkInTransaction } from "./end-link";
import { logAccess, postBankMessage, publishAlert } from "./link-context";
import { requirePartner } from "./partners";
import { verifyBankSignature } from "./signature";

/** Text from the bank shown in a bubble: one of our checks, and a bound on length. */
const BANK_TEXT_MAX = 2000;
const MERCHANT_MAX = 80;
const EVENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

type BankEvent = { id: string; type: string; consent_id: string; data: Record<string, unknown> };

/** What each event type needs the person to have granted (undefined: any active link). */
const SCOPE_OF: Record<string, BankScope | undefined> = {
  "transaction.created": "transaction_alerts",
  "fraud.alert": "fraud_alerts",
  "fraud.outcome": "fraud_alerts",
  "message.reply": undefined,
  "consent.revoked": undefined,
};

const malformed = (detail: string) => new AppError("VALIDATION_FAILED", { detail });

function parseEvent(raw: string): BankEvent {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new AppError("MALFORMED_JSON", { detail: "The bank event is not JSON" });
  }
  const e = value as Partial<BankEvent>;
  if (typeof e !== "object" || e === null || typeof e.id !== "string" || !EVENT_ID.test(e.id)) {
    throw malformed("The event needs an id");
  }
  if (typeof e.type !== "string" || !(e.type in SCOPE_OF)) throw malformed(`Unknown event type ${String(e.type)}`);
  if (typeof e.consent_id !== "string" || typeof e.data !== "object" || e.data === null) {
    throw malformed("The event needs a consent_id and data");
  }
  return e as BankEvent;
}

/** Text the bank sent, safe to show: ours checks (no control or direction-changing characters), bounded. */
function bankText(value: unknown, field: string, max: number): string {
  if (typeof value !== "string") throw malformed(`data.${field} must be text`);
  const text = value.normalize("NFC").trim();
  if (text.length === 0 || text.length > max || textProblem(text, { lines: true })) {
    throw malformed(`data.${field} is empty, too long or holds characters we cannot show`);
  }
  return text;
}

/** Long digit runs (an account or card number a bank put in a merchant name) are never shown or kept. */
const LONG_NUMBER = /\d[\d -]{4,}\d/g;
const merchantOf = (value: unknown) => bankText(value, "merchant", MERCHANT_MAX).replace(LONG_NUMBER, "•••");

function amountOf(data: Record<string, unknown>): { minor: number; currency: string } {
  const minor = data.amount_minor;
  const currency = data.currency;
  if (typeof minor !== "number" || !Number.isSafeInteger(minor) || minor < 0) {
    throw malformed("data.amount_minor must be a whole number of minor units");
  }
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) throw malformed("data.currency must be ISO 4217");
  return { minor, currency };
}

/**
 * A bank's webhook: verified on the raw body with the partner's key, refused when stale (a
 * replay outside the tolerance), recorded once by event id (a duplicate is acknowledged and
 * does nothing), and refused when its link is not active or it needs a scope the person never
 * granted. Receipts keep only merchant and amount (never the account's number); fraud alerts
 * wait for an answer; the bank's revocation ends the link. Each delivery writes an access-log row.
 */
export async function receiveBankWebhook(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { partnerId: string; payload: string; signature: string | undefined },
): Promise<{ duplicate: boolean }> {
  const partner = requirePartner(deps.config, input.partnerId);
  const now = deps.clock.now();
  const verdict = await verifyBankSignature(
    input.payload,
    input.signature,
    partner.webhook_secret,
    now,
    deps.config.banks.webhookToleranceMs,
  );
  if (verdict === "invalid")
    throw new AppError("WEBHOOK_SIGNATURE_INVALID", { detail: "The bank signature does not verify" });
  if (verdict === "stale") {
    throw new AppError("BANK_WEBHOOK_STALE", {
      detail: "The signature's time is outside the tolerance: a replay, or a clock far off",
    });
  }
  const event = parseEvent(input.payload);
  const found = await findLinkByConsent(deps.db, partner.id, event.consent_id);
  if (!found) throw new AppError("BANK_LINK_NOT_FOUND", { detail: "No link holds this consent" });

  return withTransaction(deps.db, async (trx) => {
    if (!(await recordWebhookEvent(trx, partner.id, event.id, now))) return { duplicate: true };
    const link = await lockLink(trx, found.id);
    if (!link) throw new AppError("BANK_LINK_NOT_FOUND", { detail: "No link holds this consent" });
    if (event.type === "consent.revoked") {
      await endLinkInTransaction(deps, trx, {
        linkId: link.id,
        by: event.data.reason === "expired" ? "expiry" : "bank",
        at: now,
        bankTold: null,
      });
      return { duplicate: false };
    }
    if (link.status !== "active" || !link.expires_at || link.expires_at <= now) {
      throw new AppError("BANK_LINK_NOT_ACTIVE", { detail: "This link has ended; its events are refused" });
    }
    const scope = SCOPE_OF[event.type];
    if (scope && !link.scopes.includes(scope)) {
      throw new AppError("BANK_SCOPE_NOT_GRANTED", { detail: `The person did not grant ${scope}` });
    }
    await apply(trx, link, event, now);
    return { duplicate: false };
  });
}

async function apply(trx: Trx, link: BankLink, event: BankEvent, now: Date): Promise<void> {
  const { data } = event;
  if (event.type === "transaction.created") {
    const amount = amountOf(data);
    const merchant = merchantOf(data.merchant);
    await postBankMessage(
      trx,
      link,
      `Receipt: ${formatAmount(BigInt(amount.minor), amount.currency)} at ${merchant}`,
      now,
    );
    await logAccess(trx, link, "receipt_delivered", now, { event_id: event.id });
    return;
  }
  if (event.type === "fraud.alert") {
    const amount = amountOf(data);
    const merchant = merchantOf(data.merchant);
    const bankAlertId = bankText(data.alert_id, "alert_id", 100);
    if (await lockAlertByBankId(trx, link.id, bankAlertId)) return;
    const message = await postBankMessage(
      trx,
      link,
      `Was this you? ${formatAmount(BigInt(amount.minor), amount.currency)} at ${merchant}. Answer "It was me" or "Not me".`,
      now,
    );
    const alert = await insertAlert(trx, {
      id: newId("bka"),
      link_id: link.id,
      bank_alert_id: bankAlertId,
      message_id: message.id,
      status: "open",
      answer: null,
      created_at: now,
      updated_at: now,
    });
    await publishAlert(trx, link.user_id, alert, now);
    await logAccess(trx, link, "alert_delivered", now, { event_id: event.id, alert_id: alert.id });
    return;
  }
  if (event.type === "fraud.outcome") {
    const alert = await lockAlertByBankId(trx, link.id, bankText(data.alert_id, "alert_id", 100));
    // Delivered before its alert (reordered): refused, so the bank retries it after the alert.
    if (!alert) throw new AppError("BANK_ALERT_NOT_FOUND", { detail: "No such alert on this link (yet)" });
    const outcome = data.outcome === "card_frozen" ? "card_frozen" : "alert_closed";
    const closed = await updateAlert(trx, alert.id, { status: "closed", updated_at: now });
    await postBankMessage(
      trx,
      link,
      outcome === "card_frozen"
        ? "We froze your card and will send a new one. You were not charged for this purchase."
        : "Thanks for confirming. This alert is closed and your card works as usual.",
      now,
    );
    await publishAlert(trx, link.user_id, closed, now);
    await logAccess(trx, link, "alert_outcome_delivered", now, { event_id: event.id, alert_id: alert.id, outcome });
    return;
  }
  const text = bankText(data.text, "text", BANK_TEXT_MAX);
  await postBankMessage(trx, link, text, now);
  await logAccess(trx, link, "message_delivered", now, { event_id: event.id });
}
