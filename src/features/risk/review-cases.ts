import type { Payment, RiskReport } from "../../../db/schema";
import type { Deps } from "../../deps";
import { page } from "../../http/pagination";
import { findKnownUsers } from "../users";
import { credibleReporters, listDecisions, listHeldPayments, listReports, profileOf } from "./risk.repository";

/**
 * What an operator sees of a case: the payment or report, the decisions and their reasons, and
 * of each person only what judging it needs (account age, tier, limits, reports). Never cards,
 * PINs, balances, names or other conversations.
 */
export type PersonFacts = {
  id: string;
  account_created_at: string | null;
  tier: "unverified" | "verified";
  limited: boolean;
  credible_reports: number;
};

async function personFacts(deps: Pick<Deps, "db">, ids: readonly string[]): Promise<Map<string, PersonFacts>> {
  const unique = [...new Set(ids)];
  const known = await findKnownUsers(deps.db, unique);
  const facts = new Map<string, PersonFacts>();
  for (const id of unique) {
    const profile = await profileOf(deps.db, id);
    facts.set(id, {
      id,
      account_created_at: known.find((u) => u.id === id)?.created_at.toISOString() ?? null,
      tier: profile?.tier ?? "unverified",
      limited: profile?.limited ?? false,
      credible_reports: await credibleReporters(deps.db, id),
    });
  }
  return facts;
}

const facts = (all: Map<string, PersonFacts>, id: string): PersonFacts =>
  all.get(id) ?? { id, account_created_at: null, tier: "unverified", limited: false, credible_reports: 0 };

/** Held payments (delayed or in review), newest first, each with its decisions. */
export async function listHeldCases(deps: Pick<Deps, "db">, input: { beforeSeq: bigint | undefined; limit: number }) {
  const rows = await listHeldPayments(deps.db, { beforeSeq: input.beforeSeq, take: input.limit + 1 });
  const { items, next_cursor } = page(rows, input.limit);
  const decisions = await listDecisions(
    deps.db,
    items.map((p) => p.id),
  );
  const people = await personFacts(
    deps,
    items.flatMap((p) => [p.sender_id, p.recipient_id]),
  );
  return {
    items: items.map((p: Payment) => ({
      payment: {
        id: p.id,
        status: p.status,
        amount_minor: Number(p.amount_minor),
        currency: p.currency,
        memo: p.memo,
        funding: p.funding,
        risk_outcome: p.risk_outcome,
        held_until: p.held_until?.toISOString() ?? null,
        created_at: p.created_at.toISOString(),
      },
      decisions: decisions
        .filter((d) => d.payment_id === p.id)
        .map((d) => ({
          stage: d.stage,
          outcome: d.outcome,
          reasons: d.reasons,
          rules_version: d.rules_version,
          at: d.created_at.toISOString(),
        })),
      sender: facts(people, p.sender_id),
      recipient: facts(people, p.recipient_id),
    })),
    next_cursor,
  };
}

/** Reports in one state, newest first, each with the facts about its subject. */
export async function listReportCases(
  deps: Pick<Deps, "db">,
  input: { status: RiskReport["status"]; beforeSeq: bigint | undefined; limit: number },
) {
  const rows = await listReports(deps.db, { status: input.status, beforeSeq: input.beforeSeq, take: input.limit + 1 });
  const { items, next_cursor } = page(rows, input.limit);
  const people = await personFacts(
    deps,
    items.map((r) => r.subject_id),
  );
  return {
    items: items.map((r) => ({
      id: r.id,
      reason: r.reason,
      status: r.status,
      note: r.note,
      reporter_id: r.reporter_id,
      payment_id: r.payment_id,
      created_at: r.created_at.toISOString(),
      subject: facts(people, r.subject_id),
    })),
    next_cursor,
  };
}
