/**
 * The users feature's public face: its development routes, recording a person a verified token
 * names, lookups other features need, and the User shape. Everything else in this folder is
 * internal to it.
 */
export { devSessionsRoutes } from "./dev-sessions.routes";
export { ensureUser } from "./ensure-user";
export { accountCreatedAtOf, displayNamesOf, findKnownUsers } from "./lookup-users";
export { usersRoutes } from "./users.routes";
export { toUserDto, User } from "./users.schemas";
