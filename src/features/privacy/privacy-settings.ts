import type { Audience, PrivacySettings } from "../../../db/schema";
import type { ContactKind, Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Db, type Trx, withTransaction } from "../../platform/db";
import { audienceOf, findSettings, hasPaid, upsertSettings } from "./privacy.repository";

/** Until a person chooses, anyone may start a thread with them or ask them for money. */
const DEFAULT_AUDIENCE: Audience = "everyone";

const COLUMN_OF = { thread: "threads_from", request: "requests_from" } as const;
const WHAT = { thread: "new chats", request: "requests for money" } as const;

/** The person's choices, with the defaults where they have not chosen. */
export async function getPrivacySettings(
  deps: Pick<Deps, "db">,
  userId: string,
): Promise<Omit<PrivacySettings, "updated_at"> & { updated_at: Date | null }> {
  const found = await findSettings(deps.db, userId);
  return (
    found ?? { user_id: userId, requests_from: DEFAULT_AUDIENCE, threads_from: DEFAULT_AUDIENCE, updated_at: null }
  );
}

/** Replaces the person's choices of who may ask them for money and who may start a thread with them. */
export function updatePrivacySettings(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; requestsFrom: Audience; threadsFrom: Audience },
): Promise<PrivacySettings> {
  return withTransaction(deps.db, (trx) =>
    upsertSettings(trx, {
      user_id: input.userId,
      requests_from: input.requestsFrom,
      threads_from: input.threadsFrom,
      updated_at: deps.clock.now(),
    }),
  );
}

/**
 * The guard earlier features call (Deps.privacy.requireContactAllowed): refuses when `toId`
 * lets nobody, or only people they have paid, reach them this way and `fromId` is not one.
 */
export async function requireContactAllowed(
  db: Db | Trx,
  input: { fromId: string; toId: string; kind: ContactKind },
): Promise<void> {
  const audience = await audienceOf(db, input.toId, COLUMN_OF[input.kind]);
  if (audience === "everyone") return;
  if (audience === "people_i_paid" && (await hasPaid(db, input.toId, input.fromId))) return;
  throw new AppError("CONTACT_NOT_ALLOWED", {
    detail: `This person does not accept ${WHAT[input.kind]} from you`,
    fields: { person_id: input.toId, kind: input.kind },
  });
}
