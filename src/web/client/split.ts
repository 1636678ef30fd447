/**
 * How a request in a group is split, worked out here only to show each share before it is
 * sent: the server decides the amounts. The equal split follows the server's rule (the
 * remainder goes a cent at a time to the first people asked, never to the author), so what
 * the person sees is what the card will say.
 */

export type EqualSplit = { ok: true; shares: number[]; own: number | null } | { ok: false; reason: string };

/** Equal shares of `totalMinor` for `payers` people, plus the author's own part when they count themselves in. */
export function equalSplit(totalMinor: number, payers: number, includeSelf: boolean): EqualSplit {
  if (payers === 0) return { ok: false, reason: "Pick at least one person to ask" };
  const parts = payers + (includeSelf ? 1 : 0);
  const each = Math.floor(totalMinor / parts);
  const remainder = totalMinor % parts;
  if (each === 0) return { ok: false, reason: "The amount is too small to split this way" };
  return {
    ok: true,
    shares: Array.from({ length: payers }, (_, i) => each + (i < remainder ? 1 : 0)),
    own: includeSelf ? each : null,
  };
}

/** What is still to be shared out when splitting by amounts: zero when they add up to the total, negative when over. */
export function leftToAssign(totalMinor: number, amountsMinor: number[]): number {
  return amountsMinor.reduce((left, amount) => left - amount, totalMinor);
}
