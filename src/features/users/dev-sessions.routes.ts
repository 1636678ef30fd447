import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../../http/router";
import { createDevSession } from "./create-dev-session";
import { DevSession, DevSessionBody, toUserDto } from "./users.schemas";

const create = createRoute({
  method: "post",
  path: "/v1/dev/sessions",
  tags: ["Development"],
  operationId: "createDevSession",
  summary: "Sign in as a demo person (absent when NODE_ENV=production)",
  security: [],
  request: { body: { required: true, content: { "application/json": { schema: DevSessionBody } } } },
  responses: {
    201: { description: "A session token", content: { "application/json": { schema: DevSession } } },
  },
});

export const devSessionsRoutes = createRouter().openapi(create, async (c) => {
  const body = c.req.valid("json");
  const session = await createDevSession(c.get("deps"), { handle: body.handle, displayName: body.display_name });
  return c.json(
    {
      token: session.token,
      token_type: "Bearer" as const,
      expires_at: session.expiresAt.toISOString(),
      user: toUserDto(session.user),
    },
    201,
  );
});
