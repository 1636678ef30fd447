import type { WebauthnCredential } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";

export function listDevicesForUser(db: Db | Trx, userId: string): Promise<WebauthnCredential[]> {
  return db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** The credential, only if it belongs to this person. */
export function findDeviceByCredentialId(
  db: Db | Trx,
  userId: string,
  credentialId: string,
): Promise<WebauthnCredential | undefined> {
  return db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("user_id", "=", userId)
    .where("credential_id", "=", credentialId)
    .executeTakeFirst();
}

/** Serialises one person's device changes, so the per-person limit holds under concurrency. */
export async function lockDevicesOf(trx: Trx, userId: string): Promise<void> {
  await trx.selectFrom("users").select("id").where("id", "=", userId).forUpdate().executeTakeFirst();
}

export async function countDevices(trx: Trx, userId: string): Promise<number> {
  const row = await trx
    .selectFrom("webauthn_credentials")
    .select((eb) => eb.fn.countAll<bigint>().as("n"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Undefined when the credential is already registered (to anyone). */
export function insertDeviceIfAbsent(
  trx: Trx,
  device: Omit<WebauthnCredential, "last_used_at">,
): Promise<WebauthnCredential | undefined> {
  return trx
    .insertInto("webauthn_credentials")
    .values(device)
    .onConflict((oc) => oc.column("credential_id").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function deleteDeviceForUser(trx: Trx, id: string, userId: string): Promise<WebauthnCredential | undefined> {
  return trx
    .deleteFrom("webauthn_credentials")
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .returningAll()
    .executeTakeFirst();
}

/** The counter only moves forward, whatever order concurrent assertions commit in. */
export async function recordDeviceUse(trx: Trx, id: string, counter: number, now: Date): Promise<void> {
  await trx
    .updateTable("webauthn_credentials")
    .set((eb) => ({ counter: eb.fn("greatest", [eb.ref("counter"), eb.val(BigInt(counter))]), last_used_at: now }))
    .where("id", "=", id)
    .execute();
}
