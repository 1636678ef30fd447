import { z } from "@hono/zod-openapi";
import type { User as UserRow } from "../../../db/schema";
import { typedText } from "../../http/fields";

export const HANDLE_PATTERN = /^[a-z0-9_]{2,32}$/;

export const User = z
  .object({
    id: z.string().openapi({ example: "usr_3kq0c8m5x2v9t1r7p4n6b0a2zd" }),
    handle: z.string().nullable().openapi({ example: "alice" }),
    display_name: z.string().openapi({ example: "Alice" }),
  })
  .openapi("User");

export const DevSessionBody = z
  .strictObject({
    handle: z
      .string()
      .regex(HANDLE_PATTERN, "2-32 lowercase letters, digits or underscores")
      .openapi({ example: "alice" }),
    display_name: typedText({ min: 1, max: 64 }).optional().openapi({ example: "Alice" }),
  })
  .openapi("DevSessionRequest");

export const DevSession = z
  .object({
    token: z.string(),
    token_type: z.literal("Bearer"),
    expires_at: z.string().openapi({ format: "date-time" }),
    user: User,
  })
  .openapi("DevSession");

export function toUserDto(user: UserRow): z.infer<typeof User> {
  return { id: user.id, handle: user.handle, display_name: user.display_name };
}
