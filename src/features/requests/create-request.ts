import type { PaymentRequest, PaymentRequestShare } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { containsCardNumber, formatAmount } from "../payments";
import { memberIdsOf, postMessageInTransaction, requireMembership } from "../threads";
import { announceRequest } from "./request-state";
import { insertRequest, listShares } from "./requests.repository";

type Input = {
  authorId: string;
  threadId: string;
  amountMinor: bigint;
  currency: string;
  memo: string | undefined;
  payerIds: string[] | undefined;
  shares: { payerId: string; amountMinor: bigint }[] | undefined;
  includeSelf: boolean;
};

/**
 * Asks one person, or splits among several members of a group (equally, or by explicit
 * amounts that sum to the total). Creates the request, one share per payer, and its message.
 * The author must have agreed to payments, and each payer must accept requests from them.
 */
export async function createRequest(
  deps: Pick<Deps, "db" | "clock" | "config" | "privacy">,
  input: Input,
): Promise<{ request: PaymentRequest; shares: PaymentRequestShare[] }> {
  const thread = await requireMembership(deps.db, input.threadId, input.authorId);
  if (!deps.config.payments.currencies.includes(input.currency)) {
    throw new AppError("CURRENCY_NOT_SUPPORTED", {
      detail: `Requests are in ${deps.config.payments.currencies.join(", ")}`,
    });
  }
  if (input.memo && containsCardNumber(input.memo)) throw new AppError("MEMO_CONTAINS_CARD_NUMBER");
  const members = new Set(await memberIdsOf(deps.db, thread.id));
  const others = [...members].filter((id) => id !== input.authorId);
  const shares = splitOf(input, thread.kind === "direct" ? others : undefined);
  for (const share of shares) {
    if (share.payerId === input.authorId || !members.has(share.payerId)) {
      throw new AppError("REQUEST_SHARES_INVALID", { detail: "Ask only other members of this thread" });
    }
  }
  if (new Set(shares.map((s) => s.payerId)).size !== shares.length) {
    throw new AppError("REQUEST_SHARES_INVALID", { detail: "Each person can be asked once" });
  }
  await deps.privacy.requireConsent(deps, input.authorId, "payments");
  for (const share of shares) {
    await deps.privacy.requireContactAllowed(deps.db, { fromId: input.authorId, toId: share.payerId, kind: "request" });
  }

  const now = deps.clock.now();
  const id = newId("req");
  return withTransaction(deps.db, async (trx) => {
    const request = await insertRequest(
      trx,
      {
        id,
        thread_id: thread.id,
        author_id: input.authorId,
        amount_minor: input.amountMinor,
        currency: input.currency,
        memo: input.memo || null,
        status: "open",
        expires_at: new Date(now.getTime() + deps.config.payments.requestExpiryMs),
        created_at: now,
        updated_at: now,
      },
      shares.map((s) => ({
        request_id: id,
        payer_id: s.payerId,
        amount_minor: s.amountMinor,
        status: "pending" as const,
        payment_id: null,
        updated_at: now,
      })),
    );
    await postMessageInTransaction(trx, {
      id: newId("msg"),
      thread_id: thread.id,
      sender_id: input.authorId,
      kind: "request",
      body: `Request for ${formatAmount(input.amountMinor, input.currency)}${input.memo ? `: ${input.memo}` : ""}`,
      request_id: request.id,
      created_at: now,
    });
    await announceRequest(trx, request, now);
    return { request, shares: await listShares(trx, request.id) };
  });
}

/** Who owes what: explicit shares summing to the total, or an equal split with the remainder spread a cent at a time. */
function splitOf(input: Input, directPayer: string[] | undefined): { payerId: string; amountMinor: bigint }[] {
  if (input.shares) {
    const asked = input.shares.filter((s) => s.payerId !== input.authorId);
    const total = input.shares.reduce((sum, s) => sum + s.amountMinor, 0n);
    if (total !== input.amountMinor) {
      throw new AppError("REQUEST_SHARES_INVALID", {
        detail: `The shares add up to ${total}, not ${input.amountMinor}`,
      });
    }
    if (asked.length === 0) throw new AppError("REQUEST_SHARES_INVALID", { detail: "Ask at least one other person" });
    return asked;
  }
  const payers = input.payerIds ?? directPayer ?? [];
  if (payers.length === 0) throw new AppError("REQUEST_SHARES_INVALID", { detail: "Name who to ask" });
  const parts = BigInt(payers.length + (input.includeSelf ? 1 : 0));
  const each = input.amountMinor / parts;
  const remainder = input.amountMinor % parts;
  if (each === 0n)
    throw new AppError("REQUEST_SHARES_INVALID", { detail: "The amount is too small to split this way" });
  return payers.map((payerId, i) => ({ payerId, amountMinor: each + (BigInt(i) < remainder ? 1n : 0n) }));
}
