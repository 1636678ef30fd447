import type { ConfirmationChallenge } from "../api-types";
import { button, type Child, errorLine, h } from "../dom";
import { pinPad } from "../keypads";
import type { Sheet } from "../sheet";
import { assertionToJson, type RequestOptionsJson, toRequestOptions, webauthnErrorMessage } from "../webauthn";

/** How a person answers a confirmation challenge: the biometric (its prompt runs later), or the PIN. */
export type Answer = { method: "webauthn" } | { method: "pin"; pin: string };

/**
 * The step-up step of any flow (a payment, a bank balance, a data export): what it is for,
 * then the biometric button and/or the PIN pad, as the challenge offers.
 */
export function askStepUp(
  sheet: Sheet,
  step: { title: string; lead: Child; methods: string[]; error: string | null },
): Promise<Answer> {
  const { methods } = step;
  return sheet.step<Answer>(step.title, (done) => {
    const parts: Child[] = [step.lead, errorLine(step.error)];
    if (methods.includes("webauthn")) {
      const biometric = button("Confirm with biometric", "primary", () => done({ method: "webauthn" }));
      // The biometric is the one-tap path; the PIN pad below stays a Tab away.
      biometric.dataset.autofocus = "";
      parts.push(biometric);
    }
    if (methods.includes("pin")) {
      if (methods.includes("webauthn")) parts.push(h("p", { className: "or" }, "or"));
      parts.push(pinPad("Enter your payment PIN", (pin) => done({ method: "pin", pin })).element);
    }
    if (methods.length === 0) parts.push(errorLine("Set a PIN or register a passkey under Security first."));
    return parts;
  });
}

/** What the confirmation sends for an answer: the passkey's assertion (its prompt runs now), or the PIN. */
export async function confirmationResponse(
  challenge: ConfirmationChallenge,
  answer: Answer,
): Promise<Record<string, unknown>> {
  if (answer.method === "pin") return { pin: answer.pin };
  const prompt = challenge.methods.find((m) => m.method === "webauthn")?.prompt;
  const options = prompt?.options as RequestOptionsJson | undefined;
  if (!options) throw new Error("The biometric prompt is missing; use your PIN.");
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({ publicKey: toRequestOptions(options) });
  } catch (err) {
    throw new Error(webauthnErrorMessage(err));
  }
  if (!(credential instanceof PublicKeyCredential)) throw new Error("No passkey answered.");
  return { credential: assertionToJson(credential) };
}
