import { Hono } from "hono";
import { listOf, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore } from "./store";

/** Events: every one the emulator has sent, read by id or listed newest first. */
export function eventRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.get("/v1/events/:id", retrieve(store, "event"));
  app.get("/v1/events", (c) => listOf(c, "/v1/events", [...store.events].reverse()));
  return app;
}
