/**
 * The privacy feature's public face: its routes (settings, consents, export, closing an
 * account), the guards earlier features ask through Deps.privacy (who may reach a person, what
 * they agreed to), the sweep's step for closed accounts, and the data map of every table.
 * Everything else in this folder is internal to it.
 */
export { requireConsent } from "./consents";
export { DATA_MAP, type TableEntry } from "./data-map";
export { PRIVACY_ROUTES_KEEPING_NO_KEYS, privacyRoutes } from "./privacy.routes";
export { requireContactAllowed } from "./privacy-settings";
export { purgeClosedAccounts } from "./purge-closed-accounts";
