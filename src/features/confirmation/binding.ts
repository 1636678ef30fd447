import type { Confirmable } from "../../deps";
import { canonicalJson } from "../../platform/canonical-json";
import { toHex } from "../../platform/hex";

/** SHA-256 over every field a confirmation vouches for; a challenge keeps it, and any change breaks the match. */
export async function bindingHash(confirmable: Confirmable): Promise<string> {
  const bound = canonicalJson({
    kind: confirmable.kind,
    id: confirmable.id,
    payer_id: confirmable.payerId,
    payee_id: confirmable.payeeId,
    amount_minor: confirmable.amountMinor.toString(),
    currency: confirmable.currency,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(bound));
  return toHex(new Uint8Array(digest));
}
