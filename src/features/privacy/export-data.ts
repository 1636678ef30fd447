import type { Confirmable, Deps } from "../../deps";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { checkConfirmation, type IssuedConfirmationChallenge, issueConfirmationChallenge } from "../confirmation";
import { formatAmount } from "../payments";
import { personalTables } from "./data-map";
import { listStatementLines, selectRowsAbout } from "./privacy.repository";

export const EXPORT_FORMAT = "chat-pay.export.v1";

/** An export has no money; the confirmation it needs is bound to its id and its person. */
function exportConfirmable(userId: string, exportId: string): Confirmable {
  return { kind: "data_export", id: exportId, payerId: userId, payeeId: userId, amountMinor: 0n, currency: "XXX" };
}

/**
 * Starts an export of everything the service holds about the person: nothing is gathered yet,
 * only a confirmation challenge (PIN or passkey, like a payment's) bound to a new export id.
 */
export async function beginExport(
  deps: Deps,
  userId: string,
): Promise<{ exportId: string; confirmation: IssuedConfirmationChallenge }> {
  const exportId = newId("exp");
  const confirmation = await issueConfirmationChallenge(deps, {
    userId,
    confirmable: exportConfirmable(userId, exportId),
  });
  return { exportId, confirmation };
}

export type ExportArchive = {
  format: string;
  person_id: string;
  generated_at: string;
  /**
   * Every table with rows about the person, as the data map exports them, with its retention
   * rule; `rows_about_you`: rows about them in another role (a report about them), fewer columns.
   */
  tables: Record<
    string,
    { retention: string; rows: Record<string, unknown>[]; rows_about_you?: Record<string, unknown>[] }
  >;
  /** The person's payments as a CSV statement (RFC 4180). */
  statement_csv: string;
};

/**
 * Checks the answer to the export's challenge and uses it up, then gathers the archive from
 * one snapshot of the database. The archive is answered once and never stored: a second
 * download needs a new export and a new confirmation.
 */
export async function produceExport(
  deps: Deps,
  input: { userId: string; exportId: string; challengeId: string; method: string; response: unknown },
): Promise<ExportArchive> {
  const checked = await checkConfirmation(deps, {
    userId: input.userId,
    confirmable: exportConfirmable(input.userId, input.exportId),
    challengeId: input.challengeId,
    method: input.method,
    response: input.response,
  });
  await withTransaction(deps.db, checked.useUp);
  return deps.db
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute(async (trx) => {
      const tables: ExportArchive["tables"] = {};
      for (const [table, entry] of personalTables()) {
        const rows = await selectRowsAbout(trx, table, entry, input.userId);
        const also = entry.alsoAbout ? await selectRowsAbout(trx, table, entry.alsoAbout, input.userId) : [];
        if (rows.length === 0 && also.length === 0) continue;
        tables[table] = {
          retention: entry.retention,
          rows: rows.map(plain),
          ...(also.length > 0 ? { rows_about_you: also.map(plain) } : {}),
        };
      }
      return {
        format: EXPORT_FORMAT,
        person_id: input.userId,
        generated_at: deps.clock.now().toISOString(),
        tables,
        statement_csv: statementCsv(await listStatementLines(trx, input.userId), input.userId),
      };
    });
}

/** A row as JSON can carry it: big integers as decimal strings, times as ISO 8601. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column,
      typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value,
    ]),
  );
}

const STATEMENT_HEADER = [
  "date",
  "payment_id",
  "direction",
  "other_person_id",
  "other_person",
  "amount",
  "status",
  "memo",
];

function statementCsv(lines: Awaited<ReturnType<typeof listStatementLines>>, userId: string): string {
  const rows = lines.map((line) => {
    const sent = line.sender_id === userId;
    const amount = formatAmount(line.amount_minor, line.currency);
    return [
      line.created_at.toISOString(),
      line.id,
      sent ? "sent" : "received",
      line.other_id,
      line.other_name,
      sent ? `-${amount}` : amount,
      line.status,
      line.memo ?? "",
    ];
  });
  return [STATEMENT_HEADER, ...rows]
    .map((cells) => cells.map(csvCell).join(","))
    .join("\r\n")
    .concat("\r\n");
}

/**
 * One CSV cell: quoted when it holds a separator, quote or line break; text a spreadsheet would
 * run as a formula (=, +, @, a tab...) gets a leading apostrophe. Amounts are written by us.
 */
function csvCell(value: string): string {
  const safe = /^[=+@\t\r]/.test(value) || /^-[^0-9]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
