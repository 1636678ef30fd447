import type { Context } from "hono";

/** Text safe inside HTML (element content and quoted attributes). */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** One of the bank's own pages: its look, and the body given. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#123}
h1{font-size:1.3rem}button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .3rem 0 0}label{display:block;margin:.6rem 0}
.bank{color:#0a5;font-weight:700}</style></head><body>${body}</body></html>`;
}

/** A posted form's fields as text (files ignored). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"));
}
