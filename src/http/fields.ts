import { z } from "@hono/zod-openapi";

/**
 * Field shapes shared by every feature's schemas, so the class of bad input is refused in one
 * place before any query: ids by their exact format, people's ids by the form the chat product
 * uses, and text people type normalised and stripped of what Postgres cannot store or a chat
 * bubble could be made to lie with.
 */

/** Ids we mint (`newId`): a type prefix, `_`, 26 Crockford base32 characters. */
const ID_BODY = "[0-9a-hjkmnp-tv-z]{26}";

/** One of our ids with this prefix (`thr`, `pay`, `card`...). */
export function ownId(prefix: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_${ID_BODY}$`), `must be a ${prefix}_ id`)
    .openapi({ example: `${prefix}_8d2k1m0c7x4v9t3r6p5n2b1a0q` });
}

/** A path's `{id}`: malformed ids are refused (422) without reaching the database. */
export function idParams(prefix: string) {
  return z.object({ id: ownId(prefix).openapi({ param: { name: "id", in: "path" } }) });
}

/**
 * A person's id is the chat product's token subject: 1-64 letters, digits and `_ . : @ -`,
 * starting with a letter or digit. Ids the service uses for itself are not people: the
 * platform's, the pooled former user's, the `fmr_` ids that replace a closed account's, and
 * the `former:` owners of a purged account's ledger accounts.
 */
const PERSON_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;
const RESERVED_PERSON_IDS: ReadonlySet<string> = new Set(["platform", "former"]);
const RESERVED_PREFIXES = ["fmr_", "former:"];

export function isPersonId(value: string): boolean {
  return (
    PERSON_ID_PATTERN.test(value) &&
    !RESERVED_PERSON_IDS.has(value) &&
    !RESERVED_PREFIXES.some((prefix) => value.startsWith(prefix))
  );
}

export const personId = z
  .string()
  .refine(isPersonId, "is not a person's id")
  .openapi({ pattern: PERSON_ID_PATTERN.source, example: "usr_3kq0c8m5x2v9t1r7p4n6b0a2zd" });

/**
 * What may never be in text we store or show: control characters (a line break only where the
 * field allows lines), bidirectional overrides and isolates, invisible separators and
 * zero-width characters (a zero-width joiner is kept between emoji, where it builds one), line
 * and paragraph separators, noncharacters, and unpaired surrogates (Postgres refuses NUL; the
 * rest can fake a second line in a chat bubble, reorder an amount, or hide digits).
 */
const SPOOFING =
  /(?!\n)\p{Cc}|[\u00ad\u061c\u115f\u1160\u180e\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb\ufdd0-\ufdef\ufffe\uffff]|\p{Cs}|(?<!\p{Extended_Pictographic}\ufe0f?)\u200d|\u200d(?!\p{Extended_Pictographic})/u;
const LINE_BREAK = /\n/;

/** Why text cannot be stored or shown as it is, or undefined when it can. */
export function textProblem(text: string, options: { lines?: boolean } = {}): string | undefined {
  if (SPOOFING.test(text)) return "contains control, invisible or direction-changing characters";
  if (!options.lines && LINE_BREAK.test(text)) return "must be one line";
  return undefined;
}

/**
 * Text a person types and others read: Unicode NFC, trimmed, `min`-`max` characters, and
 * refused when textProblem finds something (one line unless `lines`).
 */
export function typedText(options: { max: number; min?: number; lines?: boolean }) {
  return z
    .string()
    .normalize("NFC")
    .trim()
    .min(options.min ?? 0)
    .max(options.max)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, options);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}
