import type { Card } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import { findCardById, findCustomerId, listActiveCards } from "./cards.repository";

/** The enrolled card the person's payments are charged to, if they have one. */
export async function findDefaultCard(db: Db | Trx, userId: string): Promise<Card | undefined> {
  return (await listActiveCards(db, userId)).find((card) => card.is_default);
}

/** What Stripe needs to charge a card off-session: its payment method, and its owner's customer if known. */
export async function chargeableCard(
  db: Db | Trx,
  input: { userId: string; cardId: string },
): Promise<{ paymentMethodId: string; customerId: string | undefined }> {
  const card = await findCardById(db, input.cardId);
  return { paymentMethodId: card.payment_method_id, customerId: await findCustomerId(db, input.userId) };
}
