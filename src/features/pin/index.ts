/**
 * The PIN feature's public face: its routes, the PIN confirmation method compose.ts lists, and
 * whether a recent reset lowers a person's limits. Everything else in this folder is internal
 * to it.
 */
export { pinRoutes } from "./pin.routes";
export { pinConfirmationMethod } from "./pin-method";
export { inReducedLimitsWindow, pinResetAtOf } from "./reduced-limits";
