/** Nested values as Stripe's form encoding carries them (`a[b][0]=x`, `expand[]=y`). */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type Form = { [key: string]: FormValue };

const MAX_DEPTH = 5;

/** Parses Stripe's bracket notation into nested objects and arrays. */
export function parseForm(params: URLSearchParams): Form {
  const root: Form = {};
  for (const [rawKey, value] of params) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match?.[1]) continue;
    const path = [match[1], ...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "")];
    if (path.length > MAX_DEPTH) continue;
    let node: Form | FormValue[] = root;
    for (const [i, segment] of path.entries()) {
      const container = node as Record<string, FormValue>;
      const key = Array.isArray(node) && segment === "" ? String(node.length) : segment;
      if (i === path.length - 1) {
        container[key] = value;
        break;
      }
      const nextIsArray = path[i + 1] === "" || /^\d+$/.test(path[i + 1] as string);
      container[key] ??= nextIsArray ? [] : {};
      node = container[key] as Form | FormValue[];
    }
  }
  return root;
}

export const str = (form: Form, key: string): string | undefined => {
  const value = form[key];
  return typeof value === "string" ? value : undefined;
};

export const int = (form: Form, key: string): number | undefined => {
  const value = str(form, key);
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
};

export const bool = (form: Form, key: string): boolean | undefined => {
  const value = str(form, key);
  return value === undefined ? undefined : value === "true";
};

export const obj = (form: Form, key: string): Form => {
  const value = form[key];
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
};

/** Metadata values are strings; Stripe drops keys set to "". */
export function metadataOf(form: Form, current: Record<string, string> = {}): Record<string, string> {
  const next = { ...current };
  for (const [k, v] of Object.entries(obj(form, "metadata"))) {
    if (typeof v !== "string") continue;
    if (v === "") delete next[k];
    else next[k] = v;
  }
  return next;
}
