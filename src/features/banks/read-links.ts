import type { BankAlert, BankLink } from "../../../db/schema";
import type { Deps } from "../../deps";
import { decodeCursor, page } from "../../http/pagination";
import { listAccessLog, listAlertsOfLink, listLinksOfUser } from "./banks.repository";
import { requireLink } from "./require-link";

/** The person's links and consent records, active and ended, newest first. */
export function listLinks(deps: Pick<Deps, "db">, userId: string): Promise<BankLink[]> {
  return listLinksOfUser(deps.db, userId);
}

export function getLink(deps: Pick<Deps, "db">, input: { userId: string; linkId: string }): Promise<BankLink> {
  return requireLink(deps.db, input.linkId, input.userId);
}

/** The link's fraud alerts still held (an ended link holds none). */
export async function listAlerts(
  deps: Pick<Deps, "db">,
  input: { userId: string; linkId: string },
): Promise<BankAlert[]> {
  const link = await requireLink(deps.db, input.linkId, input.userId);
  return listAlertsOfLink(deps.db, link.id);
}

/** The person's access log: every read of bank data and every purge, newest first. */
export async function readAccessLog(
  deps: Pick<Deps, "db">,
  input: { userId: string; cursor: string | undefined; limit: number },
) {
  const rows = await listAccessLog(deps.db, input.userId, decodeCursor(input.cursor), input.limit + 1);
  return page(
    rows.map((row) => ({ ...row, seq: row.id })),
    input.limit,
  );
}
