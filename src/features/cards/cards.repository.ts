import type { Card, PayoutDestination } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";

export function findCustomerId(db: Db | Trx, userId: string): Promise<string | undefined> {
  return db
    .selectFrom("stripe_customers")
    .select("customer_id")
    .where("user_id", "=", userId)
    .executeTakeFirst()
    .then((r) => r?.customer_id);
}

export async function insertCustomer(
  db: Db | Trx,
  row: { user_id: string; customer_id: string; created_at: Date },
): Promise<void> {
  await db
    .insertInto("stripe_customers")
    .values(row)
    .onConflict((oc) => oc.column("user_id").doNothing())
    .execute();
}

export function listActiveCards(db: Db | Trx, userId: string): Promise<Card[]> {
  return db
    .selectFrom("cards")
    .selectAll()
    .where("user_id", "=", userId)
    .where("removed_at", "is", null)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** The card, only if it belongs to this person and is still enrolled. */
export function findActiveCard(db: Db | Trx, userId: string, cardId: string): Promise<Card | undefined> {
  return db
    .selectFrom("cards")
    .selectAll()
    .where("id", "=", cardId)
    .where("user_id", "=", userId)
    .where("removed_at", "is", null)
    .executeTakeFirst();
}

/** The card whatever its state: a payment is charged to the card it was confirmed with. */
export function findCardById(db: Db | Trx, cardId: string): Promise<Card> {
  return db.selectFrom("cards").selectAll().where("id", "=", cardId).executeTakeFirstOrThrow();
}

export function findCardByPaymentMethod(db: Db | Trx, paymentMethodId: string): Promise<Card | undefined> {
  return db.selectFrom("cards").selectAll().where("payment_method_id", "=", paymentMethodId).executeTakeFirst();
}

export async function insertCard(trx: Trx, card: Omit<Card, "removed_at">): Promise<void> {
  await trx.insertInto("cards").values(card).execute();
}

/** Marks the card removed; false when it already was (Stripe's webhook and the person may race). */
export async function markCardRemoved(trx: Trx, cardId: string, at: Date): Promise<boolean> {
  const result = await trx
    .updateTable("cards")
    .set({ removed_at: at, is_default: false })
    .where("id", "=", cardId)
    .where("removed_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function setDefault(trx: Trx, userId: string, cardId: string): Promise<void> {
  await trx
    .updateTable("cards")
    .set({ is_default: false })
    .where("user_id", "=", userId)
    .where("is_default", "=", true)
    .where("id", "<>", cardId)
    .execute();
  await trx.updateTable("cards").set({ is_default: true }).where("id", "=", cardId).execute();
}

export function findPayoutDestination(db: Db | Trx, userId: string): Promise<PayoutDestination | undefined> {
  return db.selectFrom("payout_destinations").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

export function findPayoutDestinationByAccount(
  db: Db | Trx,
  accountId: string,
): Promise<PayoutDestination | undefined> {
  return db.selectFrom("payout_destinations").selectAll().where("account_id", "=", accountId).executeTakeFirst();
}

export async function upsertPayoutDestination(trx: Trx, row: PayoutDestination): Promise<void> {
  await trx
    .insertInto("payout_destinations")
    .values(row)
    .onConflict((oc) =>
      oc.column("user_id").doUpdateSet({
        account_id: row.account_id,
        external_account_id: row.external_account_id,
        card_id: row.card_id,
        state: row.state,
        restricted_reason: row.restricted_reason,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}
