/**
 * Test mode's stand-ins for Stripe.js and the bank, shared by a card's setup and a payment's
 * 3-D Secure: the emulator's API through the app's same-origin proxy, and the bank's page.
 */
import { NetworkError } from "../api";
import { button, buttonRow, h } from "../dom";
import type { Sheet } from "../sheet";

/** Form-encoded POST to the Stripe emulator through the app's same-origin proxy, as Stripe.js would. */
export async function emulatorPost(
  path: string,
  publishableKey: string | null,
  form: Record<string, string>,
): Promise<{ id: string; status: string }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${publishableKey ?? ""}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(form),
    });
  } catch (cause) {
    throw new NetworkError(cause);
  }
  const body = (await response.json().catch(() => ({}))) as {
    id?: string;
    status?: string;
    error?: { message?: string };
  };
  if (!response.ok || body.error)
    throw new Error(body.error?.message ?? `The card service answered ${response.status}`);
  return { id: body.id ?? "", status: body.status ?? "" };
}

/** Emulator 3-D Secure: what the bank's page would ask, as two buttons. */
export function askBankApproval(sheet: Sheet, question: string): Promise<boolean> {
  return sheet.step<boolean>("Confirm with your bank", (done) => [
    h("p", {}, h("span", { className: "badge test-mode" }, "Test mode"), " ", question),
    h("p", { className: "muted" }, "This stands in for your bank's 3-D Secure page."),
    buttonRow(
      button("Approve", "primary", () => done(true)),
      button("Fail authentication", "secondary", () => done(false)),
    ),
  ]);
}
