import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { GENERATED_SECRET_NAMES } from "../config";

const SECRET_BYTES = 32;
const FILE_NAME = "secrets.json";

export type DevSecrets = Record<(typeof GENERATED_SECRET_NAMES)[number] | "EMBEDDED_POSTGRES_PASSWORD", string>;

/**
 * Outside production, the demo needs secrets nobody has to invent: generate them once into
 * the data folder (mode 0600, never committed) and reuse them on every later start.
 */
export async function loadOrCreateDevSecrets(dataDir: string): Promise<DevSecrets> {
  const file = path.join(dataDir, FILE_NAME);
  const existing = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as Partial<DevSecrets>,
    () => ({}) as Partial<DevSecrets>,
  );
  const names = [...GENERATED_SECRET_NAMES, "EMBEDDED_POSTGRES_PASSWORD"] as const;
  const secrets = Object.fromEntries(
    names.map((name) => [name, existing[name] ?? randomBytes(SECRET_BYTES).toString("base64url")]),
  ) as DevSecrets;
  if (names.some((name) => existing[name] === undefined)) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
