import type { z } from "@hono/zod-openapi";
import type {
  AccessLogEntry as AccessLogEntrySchema,
  BalanceChallenge as BalanceChallengeSchema,
  Balance as BalanceSchema,
  BankAlert as BankAlertSchema,
  BankLink as BankLinkSchema,
  BankPartner as BankPartnerSchema,
  StartedBankLink as StartedBankLinkSchema,
} from "../../features/banks/banks.schemas";
import type { Card as CardSchema, CardSetup as CardSetupSchema, PayoutState } from "../../features/cards/cards.schemas";
import type { ConfirmationChallenge as ConfirmationChallengeSchema } from "../../features/confirmation/confirmation.schemas";
import type {
  Device as DeviceSchema,
  RegistrationOptions as RegistrationOptionsSchema,
} from "../../features/devices/devices.schemas";
import type {
  CreatedPayment as CreatedPaymentSchema,
  Payment as PaymentSchema,
  Receipt as ReceiptSchema,
} from "../../features/payments/payments.schemas";
import type { PinStatus as PinStatusSchema } from "../../features/pin/pin.schemas";
import type {
  ClosureCheck as ClosureCheckSchema,
  ConsentList as ConsentListSchema,
  ExportArchive as ExportArchiveSchema,
  ExportStarted as ExportStartedSchema,
  PrivacySettings as PrivacySettingsSchema,
} from "../../features/privacy/privacy.schemas";
import type { Request as RequestSchema } from "../../features/requests/requests.schemas";
import type { Report as ReportSchema } from "../../features/risk/risk.schemas";
import type { SecurityEvent as SecurityEventSchema } from "../../features/security/security.schemas";
import type { Message as MessageSchema, Thread as ThreadSchema } from "../../features/threads/threads.schemas";
import type { DevSession as DevSessionSchema, User as UserSchema } from "../../features/users/users.schemas";
import type { Problem as ProblemSchema } from "../../http/router";

/**
 * The API's shapes as the client receives them (snake_case, as on the wire), taken from the
 * server's own response schemas: type-only imports, erased from the bundle, so a server change
 * the client does not follow fails `npm run check` instead of a browser at run time.
 */

export type User = z.infer<typeof UserSchema>;
export type DevSession = z.infer<typeof DevSessionSchema>;
export type Thread = z.infer<typeof ThreadSchema>;
export type Message = z.infer<typeof MessageSchema>;
export type Page<T> = { items: T[]; next_cursor: string | null };
export type Payment = z.infer<typeof PaymentSchema>;
export type Report = z.infer<typeof ReportSchema>;
export type PaymentStatus = Payment["status"];
export type CreatedPayment = z.infer<typeof CreatedPaymentSchema>;
export type Receipt = z.infer<typeof ReceiptSchema>;
export type ConfirmationChallenge = z.infer<typeof ConfirmationChallengeSchema>;
export type PaymentRequest = z.infer<typeof RequestSchema>;
export type RequestShare = PaymentRequest["shares"][number];
export type CardSetup = z.infer<typeof CardSetupSchema>;
export type Card = z.infer<typeof CardSchema>;
export type PayoutDestination = z.infer<typeof PayoutState>;
export type PinStatus = z.infer<typeof PinStatusSchema>;
export type Device = z.infer<typeof DeviceSchema>;
export type RegistrationOptions = z.infer<typeof RegistrationOptionsSchema>;
export type SecurityEvent = z.infer<typeof SecurityEventSchema>;

export type BankPartner = z.infer<typeof BankPartnerSchema>;
export type BankLink = z.infer<typeof BankLinkSchema>;
export type StartedBankLink = z.infer<typeof StartedBankLinkSchema>;
export type BankAlert = z.infer<typeof BankAlertSchema>;
export type BalanceChallenge = z.infer<typeof BalanceChallengeSchema>;
export type Balance = z.infer<typeof BalanceSchema>;
export type BankAccessLogEntry = z.infer<typeof AccessLogEntrySchema>;

export type PrivacySettings = z.infer<typeof PrivacySettingsSchema>;
export type ConsentList = z.infer<typeof ConsentListSchema>;
export type ExportStarted = z.infer<typeof ExportStartedSchema>;
export type ExportArchive = z.infer<typeof ExportArchiveSchema>;
export type ClosureCheck = z.infer<typeof ClosureCheckSchema>;

/**
 * RFC 9457 problem, with the extensions this API adds; every member may be missing, since a
 * failure can come from something other than the API (a proxy, a dropped connection).
 */
export type Problem = Partial<z.infer<typeof ProblemSchema>> & { attempts_remaining?: number; locked_until?: string };

/** What the live event stream carries, by event type. */
export type LiveEvent =
  | { type: "thread.created"; data: Thread }
  | { type: "message.created"; data: Message }
  | { type: "payment.updated"; data: Payment }
  | { type: "request.updated"; data: PaymentRequest }
  | { type: "bank_alert.updated"; data: BankAlert }
  | { type: "bank_link.updated"; data: BankLink };
