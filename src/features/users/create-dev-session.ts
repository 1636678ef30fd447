import type { User } from "../../../db/schema";
import type { Deps } from "../../deps";
import { signSessionToken } from "../../http/auth";
import { newId } from "../../platform/ids";
import { findUserByHandle, insertUserIfMissing } from "./users.repository";

/** Development only: finds or creates the person with this handle and issues them a session token. */
export async function createDevSession(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { handle: string; displayName: string | undefined },
): Promise<{ token: string; expiresAt: Date; user: User }> {
  const secret = deps.config.auth.jwtSecret;
  if (!secret) throw new Error("Development sessions need JWT_SECRET");
  await insertUserIfMissing(deps.db, {
    id: newId("usr"),
    handle: input.handle,
    display_name: input.displayName ?? input.handle,
    created_at: deps.clock.now(),
  });
  const user = await findUserByHandle(deps.db, input.handle);
  if (!user) throw new Error(`User ${input.handle} vanished after insert`);
  const now = deps.clock.now();
  const ttlSeconds = deps.config.auth.devSessionTtlSeconds;
  const token = await signSessionToken(secret, user.id, now, ttlSeconds);
  return { token, expiresAt: new Date(now.getTime() + ttlSeconds * 1000), user };
}
