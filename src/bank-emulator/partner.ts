import type { BankPartnerConfig } from "../config";

export const EMULATOR_PARTNER_ID = "emubank";
const EMULATOR_CLIENT_ID = "chat-pay";

/** The emulator's OAuth client credentials and webhook key, all from one generated secret. */
export function emulatorCredentials(secret: string) {
  return { clientId: EMULATOR_CLIENT_ID, clientSecret: `${secret}.client`, webhookSecret: secret };
}

/** The emulator registered as the service's bank partner (what BANK_PARTNERS would say about a real bank). */
export function emulatorPartner(url: string, secret: string): BankPartnerConfig {
  const credentials = emulatorCredentials(secret);
  return {
    id: EMULATOR_PARTNER_ID,
    name: "Emulated Bank",
    api_base_url: url,
    authorization_endpoint: `${url}/oauth/authorize`,
    token_endpoint: `${url}/oauth/token`,
    revocation_endpoint: `${url}/oauth/revoke`,
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    webhook_secret: credentials.webhookSecret,
  };
}
