import type { BankAlert, BankLink, Message } from "../../../db/schema";
import type { AuditDetail, Deps } from "../../deps";
import type { Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { publishEvent } from "../events";
import { postMessageInTransaction } from "../threads";
import { insertAccessLog } from "./banks.repository";
import { toBankAlertDto } from "./banks.schemas";
import { bankPartyId, requirePartner } from "./partners";

/** What the bank client needs for one call to the link's bank. */
export function bankContext(deps: Pick<Deps, "config" | "clock">, partnerId: string) {
  return { config: deps.config, partner: requirePartner(deps.config, partnerId), now: deps.clock.now() };
}

/** One row of the access log: what was read from the bank or done with its data (never the data itself). */
export function logAccess(
  trx: Trx,
  link: Pick<BankLink, "id" | "user_id">,
  action: string,
  at: Date,
  detail: AuditDetail = {},
): Promise<void> {
  return insertAccessLog(trx, { user_id: link.user_id, link_id: link.id, action, detail, created_at: at });
}

/** A message from the bank in the link's thread (the person sees it live). */
export function postBankMessage(
  trx: Trx,
  link: Pick<BankLink, "partner_id" | "thread_id">,
  body: string,
  at: Date,
): Promise<Message> {
  if (!link.thread_id) throw new Error("A link without a thread cannot be written to");
  return postMessageInTransaction(trx, {
    id: newId("msg"),
    thread_id: link.thread_id,
    sender_id: bankPartyId(link.partner_id),
    kind: "text",
    body,
    created_at: at,
  });
}

/** Tells the person's open screens that an alert changed (delivered, answered, closed), for its buttons. */
export function publishAlert(trx: Trx, userId: string, alert: BankAlert, at: Date): Promise<void> {
  return publishEvent(trx, { userIds: [userId], type: "bank_alert.updated", data: toBankAlertDto(alert), at });
}
