/**
 * The security feature's public face: its route, single-use challenges, what every challenge
 * method shares, the audit trail, and the sweep's purge. Everything else in this folder is
 * internal to it.
 */
export { parseMethodResponse, pickMethod } from "./challenge-method";
export {
  CHALLENGE_TTL_MS,
  challengeHash,
  challengeMatches,
  consumeChallenge,
  newChallenge,
  purgeStaleChallenges,
  requireUsableChallenge,
  storeChallenge,
} from "./challenges";
export { recordSecurityEvent } from "./record-security-event";
export { securityRoutes } from "./security.routes";
