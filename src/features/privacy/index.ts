/**
 * The privacy feature's public face: its routes (settings, consents, export, closing an
 * account), the guards earlier features ask through Deps.privacy (who may reach a person, what
 * they agreed to), and the sweep's step for closed accounts. Everything else in this folder
 * (the data map of every table too) is internal to it.
 */
export { requireConsent } from "./consents";
export { PRIVACY_ROUTES_KEEPING_NO_KEYS, privacyRoutes } from "./privacy.routes";
export { requireContactAllowed } from "./privacy-settings";
export { purgeClosedAccounts } from "./purge-closed-accounts";
