/**
 * The devices feature's public face: its routes, and the passkey challenge method compose.ts
 * lists (as the `webauthn` confirmation method and the `passkey` PIN-reset proof).
 * Everything else in this folder is internal to it.
 */
export { devicesRoutes } from "./devices.routes";
export { passkeyMethod } from "./passkey-method";
