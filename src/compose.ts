import type { Config } from "./config";
import type { ChangeHooks, Deps, PrivacyGuards, SecurityHooks } from "./deps";
import { endLinksOfClosingAccount } from "./features/banks";
import { cardResetProof } from "./features/cards";
import { passkeyMethod } from "./features/devices";
import { createEventStreams } from "./features/events";
import { deliverWaitingPayments } from "./features/payments";
import { pinConfirmationMethod } from "./features/pin";
import { requireConsent, requireContactAllowed } from "./features/privacy";
import { syncShareWithPayment } from "./features/requests";
import { alertOnHold, paymentRisk, stepUpPolicy } from "./features/risk";
import type { Clock } from "./platform/clock";
import type { Db } from "./platform/db";
import type { Election } from "./platform/election";
import type { EventNotifier } from "./platform/event-notifier";
import type { Logger } from "./platform/logger";
import type { PinHasher } from "./platform/pin-hasher";
import type { StripeClient } from "./platform/stripe";
import type { WebClientLoader } from "./web/web-client";

/**
 * The composition root: the one place that lists which implementations fill Deps. Node, the
 * Worker, the tests and the benchmarks all build their Deps here, from what their runtime has.
 */

/** The strong confirmation method: what a risk step-up accepts. */
const PASSKEY_CONFIRMATION = "webauthn";

/**
 * The confirmation methods (biometric first, then the PIN), the policy (any method the person
 * has set up, only the passkey when the risk decision asks for a step-up), and the PIN-reset
 * proofs (a passkey, or possession of an enrolled card); a caller may replace any of them. A
 * new method is a module implementing ChallengeMethod, listed here.
 */
export function createSecurityHooks(choices: Partial<SecurityHooks> = {}): SecurityHooks {
  const hooks: SecurityHooks = {
    confirmationMethods: [passkeyMethod(PASSKEY_CONFIRMATION), pinConfirmationMethod],
    confirmationPolicy: stepUpPolicy([PASSKEY_CONFIRMATION]),
    resetProofs: [passkeyMethod("passkey"), cardResetProof],
    ...choices,
  };
  for (const [what, list] of [
    ["confirmation method", hooks.confirmationMethods],
    ["reset proof", hooks.resetProofs],
  ] as const) {
    const names = list.map((m) => m.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new Error(`Two ${what}s are named ${duplicate}`);
  }
  return hooks;
}

/**
 * Who reacts to what: a request's share follows the payment made for it, a payment the risk
 * decision holds is told to its sender in their safety thread, and money waiting for
 * a person is paid out once their payout card is ready. Closing an account ends the person's
 * bank links (the banks told, everything the links hold deleted); a feature that keeps
 * something for a person beyond the data map's rows (a hold to cancel) lists its verb in
 * accountClosing.
 */
const changeHooks: ChangeHooks = {
  paymentChanged: [syncShareWithPayment, alertOnHold],
  payoutReady: [deliverWaitingPayments],
  accountClosing: [endLinksOfClosingAccount],
};

/** Who may reach a person and what they agreed to: the privacy feature's guards, asked by threads, requests and payments. */
const privacyGuards: PrivacyGuards = { requireContactAllowed, requireConsent };

/** What a runtime brings; the rest of Deps is built from it the same way everywhere. */
export type RuntimePieces = {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  pinHasher: PinHasher;
  stripe: StripeClient;
  /** What wakes this process's event streams (LISTEN on Node, polling on Workers). */
  notifier: EventNotifier;
  /** Who runs the sweep now, among every process on the database. */
  election: Election;
  webClient?: WebClientLoader;
  security?: SecurityHooks;
};

export function createDeps(pieces: RuntimePieces): Deps {
  const { notifier, security, ...rest } = pieces;
  return {
    ...rest,
    security: security ?? createSecurityHooks(),
    events: createEventStreams(notifier, pieces.config.events),
    hooks: changeHooks,
    privacy: privacyGuards,
    risk: paymentRisk,
  };
}
