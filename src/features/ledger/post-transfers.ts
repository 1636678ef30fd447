import type { LedgerTransfer, PendingState } from "../../../db/schema";
import { canonicalJson } from "../../platform/canonical-json";
import type { Trx } from "../../platform/db";
import { CURRENCIES, isCurrency } from "./currencies";
import {
  findTransfers,
  lockAccounts,
  type Postings,
  rereadPendingTransfers,
  type TransferRow,
  writePostings,
} from "./ledger.repository";
import type { Balance, Resolution, TransferFailureCode, TransferInput, TransferResult } from "./ledger.types";

export const TRANSFER_ID_MAX_LENGTH = 128;
export const REFERENCE_MAX_LENGTH = 128;
export const METADATA_MAX_BYTES = 2048;

type Failure = { code: TransferFailureCode; field?: string };
type Account = { id: string; currency: string; mustNotGoNegative: boolean; balance: Balance };
type Pending = {
  row: Pick<LedgerTransfer, "id" | "debit_account_id" | "credit_account_id" | "amount" | "currency" | "expires_at">;
  state: PendingState;
  /** False for a hold created earlier in this same posting. */
  stored: boolean;
};
type Staged = { row: TransferRow; debit: Balance; credit: Balance };
/** The fields that make two submissions of one transfer id the same transfer. */
type Comparable = {
  type: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  pending_id: string | null;
  expires_at: number | null;
  reference: string | null;
  metadata: string;
};

const RESOLVED_STATE = { post_pending: "posted", void_pending: "voided", expire_pending: "expired" } as const;
const isResolution = (input: TransferInput): input is Resolution => input.type.endsWith("_pending");

/**
 * Posts transfers inside the caller's transaction with a result for each: one transfer's
 * failure does not fail the others, except within a linked chain, which succeeds or fails
 * as a whole. Locks: accounts first (in id order), then pending transfers, always.
 */
export async function postTransfers(
  trx: Trx,
  inputs: readonly TransferInput[],
  now: Date,
  options: { skipLockedPending?: boolean } = {},
): Promise<TransferResult[]> {
  const staticFailures = inputs.map((input) => validate(input, now));
  const resolutions = inputs.filter((input, i): input is Resolution => isResolution(input) && !staticFailures[i]);
  const pendingIds = [...new Set(resolutions.map((r) => r.pendingId))];
  const inputIds = [...new Set(inputs.map((i) => i.id))];

  // One read for both: what is already recorded under these ids, and the holds to resolve
  // (to learn their accounts). It precedes the locks: a transfer committed meanwhile makes the
  // insert fail on its primary key and the posting retry; holds are read again under the locks.
  const known = new Map((await findTransfers(trx, [...new Set([...inputIds, ...pendingIds])])).map((t) => [t.id, t]));
  const existing = new Map<string, Comparable>();
  for (const id of inputIds) {
    const row = known.get(id);
    if (row) existing.set(id, comparableOfRow(row));
  }
  let pendingRows = pendingIds.map((id) => known.get(id)).filter((t): t is LedgerTransfer => t?.kind === "pending");

  const accountIds = new Set<string>();
  for (const [i, input] of inputs.entries()) {
    if (staticFailures[i] || isResolution(input)) continue;
    accountIds.add(input.debitAccountId);
    accountIds.add(input.creditAccountId);
  }
  for (const p of pendingRows) {
    accountIds.add(p.debit_account_id);
    accountIds.add(p.credit_account_id);
  }
  const accounts = new Map<string, Account>(
    (await lockAccounts(trx, [...accountIds].sort())).map((a) => [
      a.id,
      {
        id: a.id,
        currency: a.currency,
        mustNotGoNegative: a.debits_must_not_exceed_credits,
        balance: {
          debits_pending: a.debits_pending,
          debits_posted: a.debits_posted,
          credits_pending: a.credits_pending,
          credits_posted: a.credits_posted,
        },
      },
    ]),
  );
  if (pendingRows.length > 0) {
    pendingRows = await rereadPendingTransfers(
      trx,
      pendingRows.map((p) => p.id),
      { skipLocked: options.skipLockedPending ?? false },
    );
  }
  const pendings = new Map<string, Pending>(
    pendingRows.map((t) => [t.id, { row: t, state: t.state as PendingState, stored: true }]),
  );

  const results: TransferResult[] = inputs.map((input) => ({ id: input.id, result: "created" }));
  const staged: Staged[] = [];
  const stagedIds = new Map<string, Comparable>();

  for (const chain of splitChains(inputs)) {
    const last = chain.at(-1) as number;
    // A lone transfer that fails has changed nothing; only chains need an undo point.
    const undo = chain.length > 1 || inputs[last]?.linked ? snapshot(accounts, pendings, staged.length) : undefined;
    let failedAt: { index: number; failure: Failure } | undefined;
    for (const index of chain) {
      const input = inputs[index] as TransferInput;
      const failure =
        staticFailures[index] ?? apply(input, { accounts, pendings, existing, stagedIds, staged, now, results, index });
      if (failure) {
        failedAt = { index, failure };
        break;
      }
    }
    if (!failedAt && (inputs[last] as TransferInput).linked)
      failedAt = { index: last, failure: { code: "LINKED_CHAIN_OPEN" } };
    if (!failedAt) continue;
    if (undo) {
      undo(stagedIds);
      staged.length = undo.stagedLength;
    }
    for (const index of chain) {
      const failure = index === failedAt.index ? failedAt.failure : { code: "LINKED_TRANSFER_FAILED" as const };
      results[index] = { id: (inputs[index] as TransferInput).id, result: "failed", ...failure };
    }
  }

  await write(trx, staged, accounts, pendings, now);
  return results;
}

type State = {
  accounts: Map<string, Account>;
  pendings: Map<string, Pending>;
  existing: Map<string, Comparable>;
  stagedIds: Map<string, Comparable>;
  staged: Staged[];
  now: Date;
  results: TransferResult[];
  index: number;
};

/**
 * Checks one transfer against the accounts and holds as they stand in this batch, and stages
 * it (or says why not). Long on purpose: the checks are TigerBeetle's, in its order, and read
 * best as one list.
 */
function apply(input: TransferInput, s: State): Failure | undefined {
  const prior = s.existing.get(input.id) ?? s.stagedIds.get(input.id);
  if (prior) {
    const field = differingField(prior, input);
    if (field) return { code: "EXISTS_WITH_DIFFERENT_FIELD", field };
    s.results[s.index] = { id: input.id, result: "exists" };
    return undefined;
  }

  let row: TransferRow;
  let debit: Account;
  let credit: Account;
  if (isResolution(input)) {
    const pending = s.pendings.get(input.pendingId);
    if (!pending) return { code: "PENDING_TRANSFER_NOT_FOUND", field: "pending_id" };
    if (pending.state !== "pending") return { code: "PENDING_TRANSFER_ALREADY_RESOLVED", field: "pending_id" };
    const expired = pending.row.expires_at !== null && pending.row.expires_at <= s.now;
    if (input.type === "expire_pending" && !expired) return { code: "PENDING_TRANSFER_NOT_DUE", field: "pending_id" };
    if (input.type !== "expire_pending" && expired) return { code: "PENDING_TRANSFER_EXPIRED", field: "pending_id" };
    const held = pending.row.amount;
    const amount = input.type === "post_pending" ? (input.amountMinor ?? held) : held;
    if (amount > held) return { code: "AMOUNT_EXCEEDS_PENDING", field: "amount" };
    debit = s.accounts.get(pending.row.debit_account_id) as Account;
    credit = s.accounts.get(pending.row.credit_account_id) as Account;
    debit.balance.debits_pending -= held;
    credit.balance.credits_pending -= held;
    if (input.type === "post_pending") {
      debit.balance.debits_posted += amount;
      credit.balance.credits_posted += amount;
    }
    pending.state = RESOLVED_STATE[input.type];
    row = rowOf(input, {
      debit: debit.id,
      credit: credit.id,
      amount,
      currency: pending.row.currency,
      pendingId: pending.row.id,
      now: s.now,
    });
  } else {
    const maybeDebit = s.accounts.get(input.debitAccountId);
    const maybeCredit = s.accounts.get(input.creditAccountId);
    if (!maybeDebit) return { code: "ACCOUNT_NOT_FOUND", field: "debit_account_id" };
    if (!maybeCredit) return { code: "ACCOUNT_NOT_FOUND", field: "credit_account_id" };
    debit = maybeDebit;
    credit = maybeCredit;
    if (debit.currency !== input.currency) return { code: "CURRENCY_MISMATCH", field: "debit_account_id" };
    if (credit.currency !== input.currency) return { code: "CURRENCY_MISMATCH", field: "credit_account_id" };
    const b = debit.balance;
    if (debit.mustNotGoNegative && b.debits_pending + b.debits_posted + input.amountMinor > b.credits_posted) {
      return { code: "INSUFFICIENT_FUNDS", field: "amount" };
    }
    if (input.type === "pending") {
      debit.balance.debits_pending += input.amountMinor;
      credit.balance.credits_pending += input.amountMinor;
    } else {
      debit.balance.debits_posted += input.amountMinor;
      credit.balance.credits_posted += input.amountMinor;
    }
    row = rowOf(input, {
      debit: debit.id,
      credit: credit.id,
      amount: input.amountMinor,
      currency: input.currency,
      pendingId: null,
      now: s.now,
    });
    if (input.type === "pending") {
      s.pendings.set(input.id, { row, state: "pending", stored: false });
    }
  }
  s.staged.push({ row, debit: { ...debit.balance }, credit: { ...credit.balance } });
  s.stagedIds.set(input.id, comparableOfInput(input, row));
  return undefined;
}

function rowOf(
  input: TransferInput,
  at: { debit: string; credit: string; amount: bigint; currency: string; pendingId: string | null; now: Date },
): TransferRow {
  return {
    id: input.id,
    kind: input.type,
    debit_account_id: at.debit,
    credit_account_id: at.credit,
    amount: at.amount,
    currency: at.currency,
    pending_id: at.pendingId,
    state: input.type === "pending" ? "pending" : null,
    expires_at: isResolution(input) ? null : (input.expiresAt ?? null),
    reference: input.reference ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    created_at: at.now,
    resolved_at: null,
  };
}

function validate(input: TransferInput, now: Date): Failure | undefined {
  if (typeof input.id !== "string" || input.id.length < 1 || input.id.length > TRANSFER_ID_MAX_LENGTH) {
    return { code: "INVALID_ID", field: "id" };
  }
  if ((input.reference?.length ?? 0) > REFERENCE_MAX_LENGTH) return { code: "REFERENCE_TOO_LONG", field: "reference" };
  if (new TextEncoder().encode(JSON.stringify(input.metadata ?? {})).length > METADATA_MAX_BYTES) {
    return { code: "METADATA_TOO_LARGE", field: "metadata" };
  }
  if (isResolution(input)) {
    if (input.amountMinor !== undefined && (typeof input.amountMinor !== "bigint" || input.amountMinor <= 0n)) {
      return { code: "AMOUNT_MUST_BE_POSITIVE", field: "amount" };
    }
    return undefined;
  }
  if (typeof input.amountMinor !== "bigint" || input.amountMinor <= 0n)
    return { code: "AMOUNT_MUST_BE_POSITIVE", field: "amount" };
  if (!isCurrency(input.currency)) return { code: "CURRENCY_NOT_SUPPORTED", field: "currency" };
  if (input.amountMinor > CURRENCIES[input.currency].maxAmountMinor)
    return { code: "AMOUNT_EXCEEDS_MAXIMUM", field: "amount" };
  if (input.debitAccountId === input.creditAccountId)
    return { code: "ACCOUNTS_MUST_BE_DIFFERENT", field: "credit_account_id" };
  if (input.expiresAt) {
    if (input.type !== "pending") return { code: "EXPIRY_ONLY_FOR_PENDING", field: "expires_at" };
    if (input.expiresAt <= now) return { code: "EXPIRY_MUST_BE_FUTURE", field: "expires_at" };
  }
  return undefined;
}

/** Consecutive inputs joined by `linked` form one chain; every other input is a chain of one. */
function splitChains(inputs: readonly TransferInput[]): number[][] {
  const chains: number[][] = [];
  let current: number[] = [];
  for (const [i, input] of inputs.entries()) {
    current.push(i);
    if (!input.linked) {
      chains.push(current);
      current = [];
    }
  }
  if (current.length > 0) chains.push(current);
  return chains;
}

function snapshot(accounts: Map<string, Account>, pendings: Map<string, Pending>, stagedLength: number) {
  const balances = new Map([...accounts].map(([id, a]) => [id, { ...a.balance }]));
  const states = new Map([...pendings].map(([id, p]) => [id, p.state]));
  const restore = (stagedIds: Map<string, Comparable>) => {
    for (const [id, balance] of balances) (accounts.get(id) as Account).balance = balance;
    for (const id of [...pendings.keys()]) {
      const state = states.get(id);
      if (state === undefined) pendings.delete(id);
      else (pendings.get(id) as Pending).state = state;
    }
    for (const id of [...stagedIds.keys()].slice(stagedLength)) stagedIds.delete(id);
  };
  return Object.assign(restore, { stagedLength });
}

async function write(
  trx: Trx,
  staged: Staged[],
  accounts: Map<string, Account>,
  pendings: Map<string, Pending>,
  now: Date,
): Promise<void> {
  if (staged.length === 0) return;
  const resolutions: Postings["resolutions"][number][] = [];
  for (const { row } of staged) {
    if (!row.pending_id) continue;
    const state = RESOLVED_STATE[row.kind as keyof typeof RESOLVED_STATE];
    if ((pendings.get(row.pending_id) as Pending).stored) {
      resolutions.push({ id: row.pending_id, state, resolved_at: now });
    } else {
      // A hold created and resolved in this same posting is inserted already resolved.
      const hold = staged.find((s) => s.row.id === row.pending_id) as Staged;
      hold.row.state = state;
      hold.row.resolved_at = now;
    }
  }
  const touched = new Set(staged.flatMap((s) => [s.row.debit_account_id, s.row.credit_account_id]));
  const resolved = await writePostings(trx, {
    transfers: staged.map((s) => s.row),
    balances: staged.flatMap((s) => [
      { transfer_id: s.row.id, account_id: s.row.debit_account_id, ...s.debit },
      { transfer_id: s.row.id, account_id: s.row.credit_account_id, ...s.credit },
    ]),
    accounts: [...touched].sort().map((id) => ({ id, ...(accounts.get(id) as Account).balance })),
    resolutions,
  });
  // Holds were re-read under their accounts' locks, so a mismatch is a broken invariant, not a race.
  if (resolved !== resolutions.length) throw new Error(`Resolved ${resolved} of ${resolutions.length} holds`);
}

function comparableOfRow(t: LedgerTransfer): Comparable {
  return {
    type: t.kind,
    debit_account_id: t.debit_account_id,
    credit_account_id: t.credit_account_id,
    amount: t.amount,
    currency: t.currency,
    pending_id: t.pending_id,
    expires_at: t.expires_at?.getTime() ?? null,
    reference: t.reference,
    metadata: canonicalJson(t.metadata),
  };
}

function comparableOfInput(input: TransferInput, row: TransferRow): Comparable {
  return comparableOfRow({ ...row, seq: 0n, metadata: input.metadata ?? {} });
}

/** The first field in which a resubmission differs from the transfer already recorded under its id. */
function differingField(prior: Comparable, input: TransferInput): string | undefined {
  if (prior.type !== input.type) return "type";
  if (isResolution(input)) {
    if (prior.pending_id !== input.pendingId) return "pending_id";
    if (input.amountMinor !== undefined && prior.amount !== input.amountMinor) return "amount";
  } else {
    if (prior.debit_account_id !== input.debitAccountId) return "debit_account_id";
    if (prior.credit_account_id !== input.creditAccountId) return "credit_account_id";
    if (prior.amount !== input.amountMinor) return "amount";
    if (prior.currency !== input.currency) return "currency";
    if (prior.expires_at !== (input.expiresAt?.getTime() ?? null)) return "expires_at";
  }
  if (prior.reference !== (input.reference ?? null)) return "reference";
  if (prior.metadata !== canonicalJson(input.metadata ?? {})) return "metadata";
  return undefined;
}
