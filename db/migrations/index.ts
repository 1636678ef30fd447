import type { Migration } from "kysely";
import * as foundation from "./2026-11-22T0900-foundation";

/** Every migration, by name in the order they run; static imports so Workers can read the list too. */
export const migrations: Record<string, Migration> = {
  "2026-11-22T0900-foundation": foundation,
};
