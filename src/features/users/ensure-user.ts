import type { Deps } from "../../deps";
import { textProblem } from "../../http/fields";
import { insertUserIfMissing } from "./users.repository";

const DISPLAY_NAME_MAX = 64;
const FALLBACK_DISPLAY_NAME = "Member";

/** Records a person the chat product vouches for (a verified token's subject) the first time we see them. */
export async function ensureUser(
  deps: Pick<Deps, "db" | "clock">,
  input: { id: string; displayName: string | undefined },
) {
  // The name comes from the chat product's token; one we could not show safely is not used.
  const name = input.displayName?.normalize("NFC").trim();
  const displayName =
    name && textProblem(name) === undefined
      ? Array.from(name).slice(0, DISPLAY_NAME_MAX).join("")
      : FALLBACK_DISPLAY_NAME;
  await insertUserIfMissing(deps.db, {
    id: input.id,
    handle: null,
    display_name: displayName,
    created_at: deps.clock.now(),
  });
}
