import type { BankLink, BankScope } from "../../../db/schema";
import { AppError } from "../../errors";
import type { Db, Trx } from "../../platform/db";
import { findLinkForUser, lockLink } from "./banks.repository";

/** The person's link (pending ones are not links yet); BANK_LINK_NOT_FOUND for anyone else's, so they learn nothing. */
export async function requireLink(db: Db | Trx, linkId: string, userId: string): Promise<BankLink> {
  const link = await findLinkForUser(db, linkId, userId);
  if (!link || link.status === "pending")
    throw new AppError("BANK_LINK_NOT_FOUND", { detail: `No bank link ${linkId}` });
  return link;
}

/** The person's active link (not past its expiry), holding the scope if one is named. */
export async function requireActiveLink(
  db: Db | Trx,
  input: { linkId: string; userId: string; now: Date; scope?: BankScope },
): Promise<BankLink> {
  const link = await requireLink(db, input.linkId, input.userId);
  if (link.status !== "active" || !link.expires_at || link.expires_at <= input.now) {
    throw new AppError("BANK_LINK_NOT_ACTIVE", { detail: "This bank link has ended; link the bank again" });
  }
  if (input.scope && !link.scopes.includes(input.scope)) {
    throw new AppError("BANK_SCOPE_NOT_GRANTED", {
      detail: `You did not allow ${input.scope} when you linked this bank`,
    });
  }
  return link;
}

/**
 * Locks the link for the caller's transaction and requires it still active: a link read as
 * active may have ended since, and nothing may be written to an ended one.
 */
export async function lockActiveLink(trx: Trx, linkId: string): Promise<BankLink> {
  const link = await lockLink(trx, linkId);
  if (link?.status !== "active") {
    throw new AppError("BANK_LINK_NOT_ACTIVE", { detail: "This bank link has ended; link the bank again" });
  }
  return link;
}
