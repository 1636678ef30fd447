import type { ConfirmationPolicy } from "./confirmation.types";

/** The default: any method the person has set up, in the order the methods were registered (biometric first). */
export const acceptAnyAvailableMethod: ConfirmationPolicy = async (_deps, input) => input.available;
