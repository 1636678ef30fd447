import { Hono } from "hono";
import type { EmulatorEnv } from "./middleware";
import { listOf, retrieve } from "./responses";
import type { EmulatorStore } from "./store";

/** Events: every one the emulator has sent, read by id or listed newest first. */
export function eventRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.get("/v1/events/:id", retrieve(store, "event"));
  app.get("/v1/events", (c) => listOf(c, "/v1/events", [...store.events].reverse()));
  return app;
}
