import type { WebauthnCredential } from "../../../db/schema";
import type { Deps } from "../../deps";
import { listDevicesForUser } from "./devices.repository";

/** The person's passkeys, oldest first (at most DEVICES_PER_USER_MAX, so no pagination). */
export function listDevices(deps: Pick<Deps, "db">, input: { userId: string }): Promise<WebauthnCredential[]> {
  return listDevicesForUser(deps.db, input.userId);
}
