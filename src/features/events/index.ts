/**
 * The events feature's public face: its route, publishing a live event in a transaction, the
 * event streams compose.ts builds, and the sweep's purge. Everything else in this folder is
 * internal to it.
 */
export { createEventStreams } from "./event-streams";
export { eventsRoutes } from "./events.routes";
export { forgetEvents } from "./forget-events";
export { publishEvent } from "./publish-event";
export { purgeOldEvents } from "./purge-old-events";
