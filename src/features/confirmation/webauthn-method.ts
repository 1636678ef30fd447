import { passkeyMethod } from "../devices/passkey-method";
import type { ConfirmationMethod } from "./confirmation.types";

/** Confirming with a registered passkey (Touch ID, Face ID, Android biometrics), user verification required. */
export const webauthnConfirmationMethod: ConfirmationMethod = passkeyMethod("webauthn");
