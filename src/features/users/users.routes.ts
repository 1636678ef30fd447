import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "../../errors";
import { personId } from "../../http/fields";
import { bearerSecurity, createRouter } from "../../http/router";
import { findUsers } from "./find-users";
import { HANDLE_PATTERN, toUserDto, User } from "./users.schemas";

const UsersQuery = z.strictObject({
  handle: z
    .string()
    .regex(HANDLE_PATTERN, "2-32 lowercase letters, digits or underscores")
    .optional()
    .openapi({ example: "bob" }),
  id: personId.optional(),
});

const UserList = z.object({ items: z.array(User).max(1) }).openapi("UserList");

const lookup = createRoute({
  method: "get",
  path: "/v1/users",
  tags: ["Development"],
  operationId: "findUsers",
  summary: "Find a demo person by handle (or id), to start a thread with them (absent when NODE_ENV=production)",
  security: bearerSecurity,
  request: { query: UsersQuery },
  responses: {
    200: {
      description: "The person, or nobody: only id, handle and display name",
      content: { "application/json": { schema: UserList } },
    },
  },
});

export const usersRoutes = createRouter().openapi(lookup, async (c) => {
  const { handle, id } = c.req.valid("query");
  const query =
    handle !== undefined && id === undefined ? { handle } : id !== undefined && handle === undefined ? { id } : null;
  if (!query) {
    throw new AppError("VALIDATION_FAILED", {
      errors: [{ path: "handle", message: "send exactly one of handle, id" }],
    });
  }
  const users = await findUsers(c.get("deps"), query);
  return c.json({ items: users.map(toUserDto) }, 200);
});
