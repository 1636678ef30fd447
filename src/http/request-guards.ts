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
  try {
    if (text.length > 0) JSON.parse(text);
  } catch {
    throw new AppError("MALFORMED_JSON");
  }
  return next();
};
