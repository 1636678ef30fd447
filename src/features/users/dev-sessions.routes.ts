import { createRoute } from "@hono/zod-openapi";
import { createRouter, problemResponses } from "../../http/router";
import { createDevSession } from "./create-dev-session";
import { DevSession, DevSessionBody, toUserDto } from "./users.schemas";

const create = createRoute({
  method: "post",
  path: "/v1/dev/sessions",
  tags: ["Development"],
  summary: "Sign in as a demo person (absent when NODE_ENV=production)",
  request: { body: { required: true, content: { "application/json": { schema: DevSessionBody } } } },
  responses: {
    201: { description: "A session token", content: { "application/json": { schema: DevSession } } },
    ...problemResponses(400, 413, 415, 422),
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
