import { button, type Child, errorLine, h } from "../dom";
import { pinPad } from "../keypads";
import type { Sheet } from "../sheet";
import type { Answer } from "./pay";

/**
 * The step-up step of a flow that is not a payment (a bank balance, a data export): why it is
 * asked, then the biometric and/or the PIN pad, as the challenge offers.
 */
export function askStepUp(sheet: Sheet, why: string, methods: string[], error: string | null): Promise<Answer> {
  return sheet.step<Answer>("Confirm it is you", (done) => {
    const parts: Child[] = [h("p", {}, why), errorLine(error)];
    if (methods.includes("webauthn")) {
      const biometric = button("Confirm with biometric", "primary", () => done({ method: "webauthn" }));
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
