import { AppError } from "../../errors";
import type { Deps } from "../../http/app-env";
import type { Confirmable } from "./confirmation.types";

/**
 * The confirmable of this kind and id whose payer is this person, through the resolver the
 * owning feature registered at start-up (payments registers "payment"); CONFIRMABLE_NOT_FOUND
 * (404) for unknown kinds, unknown ids and other people's objects alike.
 */
export async function resolveConfirmable(
  deps: Deps,
  input: { kind: string; id: string; userId: string },
): Promise<Confirmable> {
  const resolver = deps.security.confirmables.get(input.kind);
  const confirmable = resolver ? await resolver(deps, { id: input.id, userId: input.userId }) : undefined;
  if (!confirmable || confirmable.payerId !== input.userId || confirmable.kind !== input.kind) {
    throw new AppError("CONFIRMABLE_NOT_FOUND", { detail: `No ${input.kind} ${input.id} of yours to confirm` });
  }
  return confirmable;
}
