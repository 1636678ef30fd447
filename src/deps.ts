import type { Payment, RiskOutcome, RiskWarning, SecurityChallenge } from "../db/schema";
import type { Config } from "./config";
import type { Clock } from "./platform/clock";
import type { Db, Trx } from "./platform/db";
import type { Election } from "./platform/election";
import type { EventNotifier } from "./platform/event-notifier";
import type { Logger } from "./platform/logger";
import type { PinHasher } from "./platform/pin-hasher";
import type { StripeClient } from "./platform/stripe";
import type { WebClientLoader } from "./web/web-client";

/**
 * What every verb may be handed, and the small contracts features implement for each other.
 * This module names no feature: features depend on it, and only the composition root
 * (compose.ts) decides which implementations fill it.
 */

/** What the app is built from; each entry (Node, Workers, tests) builds it with createDeps. */
export type Deps = {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  pinHasher: PinHasher;
  /** Confirmation methods, policy and PIN-reset proofs, chosen in compose.ts. */
  security: SecurityHooks;
  stripe: StripeClient;
  /** Open live-event streams of this process, and the notifier that wakes them. */
  events: EventStreams;
  /** How features react to each other's changes, registered in compose.ts. */
  hooks: ChangeHooks;
  /** The risk decision every payment gets at create and at confirm; filled in compose.ts. */
  risk: PaymentRisk;
  /** What each person allows (who may reach them, what they agreed to), asked before acting; filled in compose.ts. */
  privacy: PrivacyGuards;
  /** Work one process at a time does on a shared database (the sweep), whichever process runs it. */
  election: Election;
  /** The reference web client served at /, where the runtime can compile it (absent: not served). */
  webClient?: WebClientLoader;
};

/** What building the app reads; the rest of Deps is only used while serving. */
export type BuildDeps = Pick<Deps, "config" | "clock" | "stripe" | "webClient">;

export type JsonObject = { [key: string]: unknown };

/** Facts safe for an audit row (a device id, a count), never a secret. */
export type AuditDetail = Record<string, string | number | boolean | null>;

/** A fresh challenge: the raw bytes (what WebAuthn signs), their base64url text, and what is stored. */
export type FreshChallenge = { bytes: Uint8Array<ArrayBuffer>; value: string; hash: string };

/**
 * One way for a person to answer a challenge: a confirmation method (`pin`, `webauthn`) or a
 * PIN-reset proof of possession (`passkey`, `card`). Each is a module listed in compose.ts;
 * nothing else in the code names them.
 */
export type ChallengeMethod = {
  /** The stable name clients send and challenges record. */
  readonly name: string;
  /**
   * Whether verify does slow work (a PIN's attempt counting on its own connection, then tens of
   * milliseconds of hashing) that must not run while a transaction holds a pooled connection.
   * A quick method (a passkey's signature) may be checked inside the caller's transaction,
   * reading through it (deps.db is then that transaction).
   */
  readonly slow?: boolean;
  /**
   * Whether this person can answer with it right now (has a PIN, has a passkey...): undefined
   * when not, else how to begin a challenge with it, from what was read to decide (one read
   * serves both).
   */
  availableTo(deps: Deps, userId: string): Promise<BeginChallenge | undefined>;
  /** Checks the client's response against the stored challenge; throws an AppError when it does not hold. */
  verify(
    deps: Deps,
    input: { userId: string; challenge: SecurityChallenge; context: Record<string, string>; response: unknown },
  ): Promise<ChallengeVerification>;
};

/** What the client needs to prompt (e.g. WebAuthn request options); context is kept with the challenge for verify. */
export type BeginChallenge = (
  challenge: FreshChallenge,
) => Promise<{ prompt?: JsonObject; context?: Record<string, string> }>;

export type ChallengeVerification = {
  /** Facts safe for the audit row (a device id), never a secret. */
  detail: AuditDetail;
  /** Writes that must commit together with the challenge being used up (e.g. a passkey's signature counter). */
  commit?: (trx: Trx) => Promise<void>;
};

/**
 * Anything a person confirms before it happens (a payment, later perhaps a withdrawal). A
 * challenge is bound to exactly these fields: if any changes, it stops working.
 */
export type Confirmable = {
  /** What sort of object it is ("payment"). */
  kind: string;
  id: string;
  payerId: string;
  payeeId: string;
  amountMinor: bigint;
  /** ISO 4217. */
  currency: string;
};

/**
 * Which of the methods this person can use right now the object accepts (e.g. only a
 * biometric for an unusual payment). Returning none refuses confirmation altogether.
 */
export type ConfirmationPolicy = (
  deps: Deps,
  input: { userId: string; confirmable: Confirmable; available: readonly string[] },
) => Promise<readonly string[]>;

/** The pluggable parts of confirmation and PIN reset, chosen once (compose.ts). */
export type SecurityHooks = {
  /** In order of preference; the challenge lists the accepted ones in this order. */
  confirmationMethods: readonly ChallengeMethod[];
  confirmationPolicy: ConfirmationPolicy;
  resetProofs: readonly ChallengeMethod[];
};

/**
 * Reactions of one feature to another's changes. The feature that changes something calls the
 * listeners without knowing who they are; the reacting feature provides them and compose.ts
 * lists them, so dependencies point from the reacting feature to the changing one only.
 */
export type ChangeHooks = {
  /** A payment was created or changed state; each listener runs inside the transaction that changed it. */
  paymentChanged: readonly ((trx: Trx, payment: Payment, at: Date) => Promise<void>)[];
  /**
   * A person's payout card became ready to receive money; runs after that change committed. A
   * failure is the caller's to log: the change it reacts to stands.
   */
  payoutReady: readonly ((deps: Deps, userId: string) => Promise<void>)[];
  /**
   * A person is closing their account: each listener runs inside the closing transaction, after
   * the checks that no money is in flight and before the person's id is replaced, to end what
   * it keeps for them (revoke a bank link, cancel a hold). Throwing an AppError refuses the
   * closure with that error, and the whole closure rolls back.
   */
  accountClosing: readonly ((deps: Deps, trx: Trx, userId: string) => Promise<void>)[];
};

/** What a person may be reached with: a thread started with them, or a request for money. */
export type ContactKind = "thread" | "request";

/**
 * The choices a person makes about their own data and reach, asked by the features that act
 * on them (threads, requests, payments), which come earlier in the order than the feature that
 * keeps the choices; each refuses with an AppError.
 */
export type PrivacyGuards = {
  /** Refuses (CONTACT_NOT_ALLOWED) when `toId` does not accept this from `fromId`. */
  requireContactAllowed(db: Db | Trx, input: { fromId: string; toId: string; kind: ContactKind }): Promise<void>;
  /** Refuses (CONSENT_REQUIRED) unless the person stands by their agreement to this purpose (e.g. "payments"). */
  requireConsent(deps: Pick<Deps, "db" | "config">, userId: string, purpose: string): Promise<void>;
};

/** What a risk decision is about: a payment as it is being created or confirmed. */
export type PaymentFacts = {
  id: string;
  threadId: string;
  senderId: string;
  recipientId: string;
  amountMinor: bigint;
  currency: string;
  memo: string | null;
  requestId: string | null;
  /**
   * The payment's place among its sender's payments once it exists (null while it is being
   * created): counts of what they sent are taken as of its creation, so confirming it sees the
   * same velocity its creation did, whatever the sender started since.
   */
  seq: bigint | null;
};

/** A decision: the strictest outcome of the rules that matched, why, and what the sender must acknowledge. */
export type RiskVerdict = {
  outcome: RiskOutcome;
  /** Every rule that matched, in the rule set's order. */
  reasons: { code: string; outcome: RiskOutcome; message: string }[];
  /** The matched warn rules: plain sentences the sender acknowledges before confirming. */
  warnings: RiskWarning[];
  /** The one reason a blocked payment is refused with (the first block rule that matched). */
  blockedBecause: string | null;
  rulesVersion: number;
};

/**
 * The payment flow's risk decision, asked at create and again at confirm inside the payment's
 * transaction (payments come earlier in the order than the feature deciding, which reads
 * payments to decide). `decide` only reads; `record` stores the decision with its reasons.
 */
export type PaymentRisk = {
  decide(deps: Pick<Deps, "clock" | "config">, trx: Trx, payment: PaymentFacts): Promise<RiskVerdict>;
  record(
    trx: Trx,
    input: { paymentId: string; stage: "create" | "confirm"; verdict: RiskVerdict; at: Date },
  ): Promise<void>;
};

/**
 * What a feature does about a change Stripe reports (a webhook event), once it has read what it
 * needs: writes made in the caller's transaction (which records the event once), handing back
 * any work to run after it commits.
 */
export type WebhookEffect = (trx: Trx) => Promise<(() => Promise<void>) | undefined>;

/** The open live-event streams of this process: admission against the limits, shared reads, and shutdown. */
export type EventStreams = {
  readonly notifier: EventNotifier;
  /**
   * Claims a stream slot for this person, or throws TOO_MANY_STREAMS (NOT_READY once shutting
   * down). `close` is called when the process ends the stream; the returned function frees the slot.
   */
  admit(userId: string, close: () => void): () => void;
  /** Runs one stream read, at most a bounded number at once in this process. */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends every open stream and admits no more (server shutdown). */
  closeAll(): void;
  /** Open streams, of one person or of everyone. */
  count(userId?: string): number;
};
