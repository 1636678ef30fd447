import type { Insertable } from "kysely";
import type {
  PaymentRequest,
  PaymentRequestShare,
  PaymentRequestSharesTable,
  PaymentRequestsTable,
} from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";

export async function insertRequest(
  trx: Trx,
  request: Insertable<PaymentRequestsTable>,
  shares: Insertable<PaymentRequestSharesTable>[],
): Promise<PaymentRequest> {
  const row = await trx.insertInto("payment_requests").values(request).returningAll().executeTakeFirstOrThrow();
  await trx.insertInto("payment_request_shares").values(shares).execute();
  return row;
}

export function findRequest(db: Db | Trx, id: string): Promise<PaymentRequest | undefined> {
  return db.selectFrom("payment_requests").selectAll().where("id", "=", id).executeTakeFirst();
}

export function lockRequest(trx: Trx, id: string): Promise<PaymentRequest | undefined> {
  return trx.selectFrom("payment_requests").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export function listShares(db: Db | Trx, requestId: string): Promise<PaymentRequestShare[]> {
  return db
    .selectFrom("payment_request_shares")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("payer_id")
    .execute();
}

export async function updateShare(
  trx: Trx,
  requestId: string,
  payerId: string,
  patch: Partial<Pick<PaymentRequestShare, "status" | "payment_id" | "updated_at">>,
): Promise<void> {
  await trx
    .updateTable("payment_request_shares")
    .set(patch)
    .where("request_id", "=", requestId)
    .where("payer_id", "=", payerId)
    .execute();
}

export async function updateRequest(
  trx: Trx,
  id: string,
  patch: Partial<Pick<PaymentRequest, "status" | "updated_at">>,
): Promise<PaymentRequest> {
  return trx.updateTable("payment_requests").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function dueRequestIds(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("payment_requests")
    .select("id")
    .where("status", "=", "open")
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
