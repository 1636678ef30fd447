import type { BankLink } from "../../../db/schema";
import type { BankPartnerConfig, Config } from "../../config";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";

export type BankPartner = BankPartnerConfig;

/** The users row that stands for a bank in its threads: a token can never name it (a `/` is no person's id). */
export const bankPartyId = (partnerId: string) => `bank/${partnerId}`;

export function findPartner(config: Pick<Config, "banks">, partnerId: string): BankPartner | undefined {
  return config.banks.partners.find((p) => p.id === partnerId);
}

/** The bank's name for a link (a partner since removed from the configuration keeps its id). */
export const bankNameOf = (deps: Pick<Deps, "config">, link: Pick<BankLink, "partner_id">) =>
  findPartner(deps.config, link.partner_id)?.name ?? link.partner_id;

export function requirePartner(config: Pick<Config, "banks">, partnerId: string): BankPartner {
  const partner = findPartner(config, partnerId);
  if (!partner) throw new AppError("BANK_PARTNER_NOT_FOUND", { detail: `No bank ${partnerId}` });
  return partner;
}
