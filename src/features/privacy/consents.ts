import type { Consent } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import {
  findStandingConsent,
  findStandingConsents,
  insertConsentIfNoneStands,
  listBankConsents,
  listConsents,
  withdrawConsent,
} from "./privacy.repository";

/**
 * What a person can agree to, each with what it lets the service do. `terms` is agreed at a
 * version (the configured current one); the rest are plain opt-ins.
 */
export const CONSENT_PURPOSES = {
  terms: "The terms of service, at the version shown",
  payments: "Using my payment data (cards, amounts, the people I pay) to send, receive and request money",
} as const;

export type ConsentPurpose = keyof typeof CONSENT_PURPOSES;

export const CONSENT_PURPOSE_NAMES = Object.keys(CONSENT_PURPOSES) as [ConsentPurpose, ...ConsentPurpose[]];

const isConsentPurpose = (purpose: string): purpose is ConsentPurpose => Object.hasOwn(CONSENT_PURPOSES, purpose);

/**
 * The person's agreements, standing and withdrawn, newest first, and the bank links they
 * granted (each link is its own consent record, kept by the banks feature; ended by unlinking).
 */
export async function listMyConsents(deps: Pick<Deps, "db">, userId: string) {
  const [items, bankLinks] = await Promise.all([listConsents(deps.db, userId), listBankConsents(deps.db, userId)]);
  return { items, bankLinks };
}

/**
 * Records that the person agrees to a purpose (terms: to the current version). Agreeing again
 * to what already stands changes nothing and answers the standing agreement; agreeing to new
 * terms closes the agreement to the old ones.
 */
export async function grantConsent(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { userId: string; purpose: ConsentPurpose; version: string | undefined },
): Promise<{ consent: Consent; created: boolean }> {
  const current = deps.config.privacy.termsVersion;
  if (input.purpose === "terms" && input.version !== current) {
    throw new AppError("TERMS_VERSION_UNKNOWN", {
      detail: `The current terms are version ${current}`,
      fields: { current_version: current },
    });
  }
  if (input.purpose !== "terms" && input.version !== undefined) {
    throw new AppError("VALIDATION_FAILED", {
      errors: [{ path: "version", message: "only the terms have a version" }],
    });
  }
  const version = input.purpose === "terms" ? current : null;
  return withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    const standing = await findStandingConsent(trx, input.userId, input.purpose);
    if (standing && standing.version === version) return { consent: standing, created: false };
    if (standing) await withdrawConsent(trx, standing.id, now);
    const row = { id: newId("cns"), user_id: input.userId, purpose: input.purpose, version, granted_at: now };
    const inserted = await insertConsentIfNoneStands(trx, { ...row, withdrawn_at: null });
    if (inserted) return { consent: inserted, created: true };
    // Another request agreed at the same moment: its agreement is this one.
    const raced = await findStandingConsent(trx, input.userId, input.purpose);
    if (!raced) throw new Error(`Consent ${input.purpose} vanished after a conflicting insert`);
    return { consent: raced, created: false };
  });
}

/** Withdraws the person's standing agreement to a purpose; what needs it is refused from then on. */
export async function withdrawMyConsent(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; purpose: ConsentPurpose },
): Promise<Consent> {
  return withTransaction(deps.db, async (trx) => {
    const standing = await findStandingConsent(trx, input.userId, input.purpose);
    const withdrawn = standing && (await withdrawConsent(trx, standing.id, deps.clock.now()));
    if (!withdrawn) {
      throw new AppError("CONSENT_NOT_FOUND", { detail: `You have no standing agreement to ${input.purpose}` });
    }
    return withdrawn;
  });
}

/**
 * The guard earlier features call (Deps.privacy.requireConsent): the person stands by the
 * current terms and by this purpose, or CONSENT_REQUIRED names what is missing.
 */
export async function requireConsent(deps: Pick<Deps, "db" | "config">, userId: string, purpose: string) {
  const current = deps.config.privacy.termsVersion;
  const standing = await findStandingConsents(deps.db, userId, ["terms", purpose]);
  const terms = standing.find((c) => c.purpose === "terms");
  if (terms?.version !== current) {
    throw new AppError("CONSENT_REQUIRED", {
      detail: `Agree to the terms (version ${current}) first`,
      fields: { purpose: "terms", version: current },
    });
  }
  if (!standing.some((c) => c.purpose === purpose)) {
    throw new AppError("CONSENT_REQUIRED", {
      detail: `Agree to ${purpose} first: ${isConsentPurpose(purpose) ? CONSENT_PURPOSES[purpose] : purpose}`,
      fields: { purpose },
    });
  }
}
