/** Passkeys (the biometric): registering one on this device, and offering it after the first PIN. */
import { errorMessage } from "../api";
import type { Device, RegistrationOptions } from "../api-types";
import type { Ctx } from "../context";
import { button, buttonRow, errorLine, h } from "../dom";
import type { Sheet } from "../sheet";
import {
  type CreationOptionsJson,
  passkeysAvailable,
  registrationToJson,
  toCreationOptions,
  webauthnErrorMessage,
} from "../webauthn";
import { progress } from "./sheet-flow";

function deviceName(): string {
  const platform = /Android/i.test(navigator.userAgent)
    ? "Android"
    : /iPhone|iPad/i.test(navigator.userAgent)
      ? "iPhone or iPad"
      : /Mac/i.test(navigator.userAgent)
        ? "Mac"
        : /Windows/i.test(navigator.userAgent)
          ? "Windows"
          : /Linux/i.test(navigator.userAgent)
            ? "Linux"
            : "this device";
  return `Passkey on ${platform}`;
}

/** Creates a passkey on this device and registers it (user verification: the biometric). */
export async function registerPasskey(ctx: Ctx): Promise<Device> {
  const registration = await ctx.api.post<RegistrationOptions>("/v1/me/devices/registration-options");
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.create({
      publicKey: toCreationOptions(registration.options as unknown as CreationOptionsJson),
    });
  } catch (err) {
    throw new Error(webauthnErrorMessage(err));
  }
  if (!(credential instanceof PublicKeyCredential)) throw new Error("No passkey was created.");
  const device = await ctx.api.post<Device>("/v1/me/devices", {
    body: { challenge_id: registration.challenge_id, name: deviceName(), credential: registrationToJson(credential) },
  });
  ctx.announce("Biometric confirmation is on for this device");
  return device;
}

/** After the first PIN: offer the biometric, where this browser and address can use one. */
export async function offerPasskey(ctx: Ctx, sheet: Sheet): Promise<void> {
  if (!(await passkeysAvailable(ctx.config.webauthn_origins))) return;
  let error: string | null = null;
  for (;;) {
    const register = await sheet.step<boolean>("Use your biometric next time?", (done) => [
      h("p", {}, "Confirm payments with your fingerprint or face on this device instead of typing your PIN."),
      h("p", { className: "muted" }, "Your PIN keeps working. You can remove the passkey any time under Security."),
      errorLine(error),
      buttonRow(
        button("Set up biometric", "primary", () => done(true)),
        button("Not now", "secondary", () => done(false)),
      ),
    ]);
    if (!register) return;
    sheet.show("Use your biometric next time?", progress("Follow your device's prompt…"));
    try {
      await registerPasskey(ctx);
      return;
    } catch (err) {
      error = errorMessage(err);
    }
  }
}
