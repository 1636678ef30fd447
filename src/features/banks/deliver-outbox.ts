import type { BankOutboxItem } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Trx, withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { callPartner } from "./bank-client";
import { findLink, insertOutbox, lockDueOutbox, updateOutbox } from "./banks.repository";
import { withAccessToken } from "./with-access-token";

/** While one sender holds an item, others leave it alone for this long. */
const LEASE_MS = 60_000;
/** Waits before each retry; after the last, the item is marked failed. */
const RETRY_BACKOFF_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];
export const OUTBOX_BATCH_MAX = 50;

/** Queues a call for the link's bank in the caller's transaction; sent after commit (deliverOutbox), retried by the sweep. */
export function queueForBank(
  trx: Trx,
  input: { linkId: string; kind: BankOutboxItem["kind"]; payload: Record<string, string>; at: Date },
): Promise<BankOutboxItem> {
  return insertOutbox(trx, {
    id: newId("bko"),
    link_id: input.linkId,
    kind: input.kind,
    payload: JSON.stringify(input.payload),
    state: "pending",
    next_attempt_at: input.at,
    created_at: input.at,
  });
}

function requestOf(item: BankOutboxItem): { path: string; body: Record<string, string> } {
  if (item.kind === "fraud_answer") {
    return {
      path: `/fdx/v6/partner/fraud-alerts/${encodeURIComponent(item.payload.bank_alert_id ?? "")}/answer`,
      body: { answer: item.payload.answer ?? "" },
    };
  }
  return {
    path: "/fdx/v6/partner/messages",
    body: { message_id: item.payload.message_id ?? "", text: item.payload.text ?? "" },
  };
}

/**
 * Sends what waits for the bank (fraud answers, relayed messages): each item is leased, sent
 * signed with its id as the Idempotency-Key (a retry is never acted on twice at the bank), and
 * marked sent, or retried later with backoff, or failed after the last try. One item (`id`, just
 * queued) or a batch of due ones; returns how many were sent.
 */
export async function deliverOutbox(
  deps: Pick<Deps, "db" | "clock" | "config" | "logger">,
  input: { id?: string; limit?: number } = {},
): Promise<number> {
  const now = deps.clock.now();
  const leased = await withTransaction(deps.db, async (trx) => {
    const items = await lockDueOutbox(trx, now, input.limit ?? OUTBOX_BATCH_MAX, input.id);
    for (const item of items) {
      await updateOutbox(trx, item.id, {
        attempts: item.attempts + 1,
        next_attempt_at: new Date(now.getTime() + LEASE_MS),
      });
    }
    return items;
  });
  let sent = 0;
  for (const item of leased) {
    const link = await findLink(deps.db, item.link_id);
    if (link?.status !== "active") continue;
    try {
      await withAccessToken(deps, link, (ctx, token) =>
        callPartner(ctx, token, { ...requestOf(item), idempotencyKey: item.id }),
      );
      await withTransaction(deps.db, (trx) => updateOutbox(trx, item.id, { state: "sent" }));
      sent++;
    } catch (err) {
      const backoff = RETRY_BACKOFF_MS[item.attempts];
      const code = err instanceof AppError ? err.code : "UNEXPECTED";
      deps.logger.warn({ outbox_id: item.id, kind: item.kind, code, attempt: item.attempts + 1 }, "bank call failed");
      await withTransaction(deps.db, (trx) =>
        updateOutbox(
          trx,
          item.id,
          backoff === undefined
            ? { state: "failed" }
            : { next_attempt_at: new Date(deps.clock.now().getTime() + backoff) },
        ),
      ).catch(() => undefined);
    }
  }
  return sent;
}
