import type { Insertable } from "kysely";
import type { PaymentDispute, PaymentDisputesTable } from "../../../db/schema";
import type { Trx } from "../../platform/db";

/** The dispute's row, locked for the change about to be made; undefined before it is first recorded. */
export function lockDispute(trx: Trx, id: string): Promise<PaymentDispute | undefined> {
  return trx.selectFrom("payment_disputes").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** Records a dispute once; undefined when another delivery recorded it first. */
export function insertDispute(trx: Trx, row: Insertable<PaymentDisputesTable>): Promise<PaymentDispute | undefined> {
  return trx
    .insertInto("payment_disputes")
    .values(row)
    .onConflict((oc) => oc.column("id").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function closeDispute(
  trx: Trx,
  id: string,
  change: { status: "won" | "lost"; closed_at: Date },
): Promise<PaymentDispute> {
  return trx.updateTable("payment_disputes").set(change).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

/** Whether the payment's charge has a dispute not yet decided (its money is the dispute's until then). */
export async function hasOpenDispute(trx: Trx, paymentId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("payment_disputes")
    .select("id")
    .where("payment_id", "=", paymentId)
    .where("status", "=", "open")
    .executeTakeFirst();
  return row !== undefined;
}
