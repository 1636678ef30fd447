import type { z } from "@hono/zod-openapi";
import type { ChallengeMethod } from "../../deps";
import { AppError } from "../../errors";

/** Validates a method's response with its own schema; failures name fields under `path`. */
export function parseMethodResponse<T extends z.ZodType>(schema: T, response: unknown, path: string): z.infer<T> {
  const result = schema.safeParse(response);
  if (result.success) return result.data;
  throw new AppError("VALIDATION_FAILED", {
    errors: result.error.issues.map((issue) => ({
      path: [path, ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  });
}

/** The method with this name, or a validation error listing the names there are. */
export function pickMethod<T extends ChallengeMethod>(methods: readonly T[], name: string, path: string): T {
  const method = methods.find((m) => m.name === name);
  if (method) return method;
  throw new AppError("VALIDATION_FAILED", {
    errors: [{ path, message: `must be one of: ${methods.map((m) => m.name).join(", ")}` }],
  });
}
