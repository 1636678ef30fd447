/**
 * The confirmation feature's public face: issuing and checking a challenge bound to anything
 * confirmable, and the request and response shapes every confirming route uses.
 * Everything else in this folder is internal to it.
 */
export { ConfirmationChallenge, ConfirmBody, toConfirmationChallengeDto } from "./confirmation.schemas";
export { type IssuedConfirmationChallenge, issueConfirmationChallenge } from "./issue-confirmation-challenge";
export { checkConfirmation } from "./verify-confirmation";
