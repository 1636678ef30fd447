import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { recordSecurityEvent } from "../security";
import { deleteDeviceForUser } from "./devices.repository";

/** Forgets one of the person's passkeys; someone else's device is DEVICE_NOT_FOUND. */
export async function removeDevice(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; deviceId: string },
): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const removed = await deleteDeviceForUser(trx, input.deviceId, input.userId);
    if (!removed) throw new AppError("DEVICE_NOT_FOUND", { detail: `No device ${input.deviceId} of yours` });
    await recordSecurityEvent(trx, deps.clock, {
      userId: input.userId,
      kind: "device_removed",
      detail: { device_id: removed.id, name: removed.name },
    });
  });
}
