import type { Thread, User } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { newId } from "../../platform/ids";
import { findKnownUsers } from "../users";
import { openThread } from "./open-thread";
import { findThreadByDirectKey, listMembers } from "./threads.repository";
import { MAX_GROUP_MEMBERS } from "./threads.schemas";

type Input = { creatorId: string; kind: "direct" | "group"; memberIds: string[]; title: string | undefined };

/**
 * Starts a thread; a direct thread between two people is unique, so asking again returns the
 * existing one. A new thread needs each other member to accept threads from the creator
 * (their privacy choice).
 */
export async function createThread(
  deps: Pick<Deps, "db" | "clock" | "privacy">,
  input: Input,
): Promise<{ thread: Thread; members: User[]; created: boolean }> {
  const others = [...new Set(input.memberIds)].filter((id) => id !== input.creatorId);
  checkShape(input, others.length);
  const known = await findKnownUsers(deps.db, others);
  const missing = others.filter((id) => !known.some((user) => user.id === id));
  if (missing.length > 0) {
    throw new AppError("UNKNOWN_USER", {
      detail: "Every member must have used payments before",
      errors: missing.map((id) => ({ path: "member_ids", message: `unknown user ${id}` })),
    });
  }

  const memberIds = [input.creatorId, ...others];
  const directKey = input.kind === "direct" ? [...memberIds].sort().join(" ") : null;
  if (!(directKey && (await findThreadByDirectKey(deps.db, directKey)))) {
    for (const toId of others) {
      await deps.privacy.requireContactAllowed(deps.db, { fromId: input.creatorId, toId, kind: "thread" });
    }
  }
  return withTransaction(deps.db, async (trx) => {
    // Every member's chat list shows a new thread at once.
    const opened = await openThread(
      trx,
      {
        id: newId("thr"),
        kind: input.kind,
        title: input.title ?? null,
        direct_key: directKey,
        created_by: input.creatorId,
        created_at: deps.clock.now(),
      },
      memberIds,
      memberIds,
    );
    if (opened) return { ...opened, created: true };
    const thread = directKey ? await findThreadByDirectKey(trx, directKey) : undefined;
    if (!thread) throw new Error("Direct thread conflict without an existing thread");
    return { thread, members: await listMembers(trx, [thread.id]), created: false };
  });
}

function checkShape(input: Input, otherCount: number): void {
  if (input.kind === "direct" && (otherCount !== 1 || input.title !== undefined)) {
    throw new AppError("THREAD_MEMBERS_INVALID", {
      detail: "A direct thread has exactly one other person and no title",
    });
  }
  if (input.kind === "group" && (otherCount < 1 || otherCount > MAX_GROUP_MEMBERS - 1)) {
    throw new AppError("THREAD_MEMBERS_INVALID", {
      detail: `A group thread has 2 to ${MAX_GROUP_MEMBERS} people, you included`,
    });
  }
}
