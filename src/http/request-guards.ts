import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../errors";
import type { AppEnv } from "./app-env";

export const BODY_LIMIT_BYTES = 16 * 1024;

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

const limitOf = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", { detail: `Request bodies are limited to ${maxSize} bytes` });
    },
  });

/** 413 beyond 16 KiB (or a route's own larger limit), whether or not Content-Length is declared. */
export function limitBody(largerLimits: Record<string, number> = {}): MiddlewareHandler<AppEnv> {
  const standard = limitOf(BODY_LIMIT_BYTES);
  const larger = new Map(Object.entries(largerLimits).map(([path, bytes]) => [path, limitOf(bytes)]));
  return (c, next) => (larger.get(c.req.path) ?? standard)(c, next);
}

/**
 * A body, when present, must be JSON and must parse: 415 and 400 are decided here, once,
 * so validators downstream only ever see a parsed object (Hono caches the parsed body).
 */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!METHODS_WITH_BODY.has(c.req.method)) return next();
  const contentType = c.req.header("Content-Type");
  const declaredLength = c.req.header("Content-Length");
  const hasBody = contentType !== undefined || (declaredLength !== undefined && declaredLength !== "0");
  if (!hasBody) return next();
  if (!contentType || !JSON_CONTENT_TYPE.test(contentType)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", { detail: `Expected application/json, got ${contentType ?? "none"}` });
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    if (text.length > 0) body = JSON.parse(text);
  } catch {
    throw new AppError("MALFORMED_JSON");
  }
  refuseUnstorable(body);
  return next();
};

/** Deeper than any body of ours; bounds the recursion of everything that walks a body later. */
const JSON_DEPTH_MAX = 32;
const UNPAIRED_SURROGATE = /\p{Cs}/u;
/** Postgres cannot store NUL in text, and an unpaired surrogate is not Unicode. */
const isUnstorable = (text: string) => text.includes("\0") || UNPAIRED_SURROGATE.test(text);

/** Refuses a parsed body nested too deeply, or holding a string (or key) no database column can hold. */
function refuseUnstorable(body: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: "", depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, depth } = item;
    if (typeof value === "string" && isUnstorable(value)) {
      throw new AppError("VALIDATION_FAILED", {
        errors: [{ path: path || "(body)", message: "contains a NUL character or an unpaired surrogate" }],
      });
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= JSON_DEPTH_MAX) {
      throw new AppError("MALFORMED_JSON", { detail: `JSON nested deeper than ${JSON_DEPTH_MAX} levels` });
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (isUnstorable(key)) stack.push({ value: key, path: childPath, depth });
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}
