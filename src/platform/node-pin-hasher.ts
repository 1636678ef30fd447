import { availableParallelism } from "node:os";
import { hash, argon2id as type } from "argon2";
import type { Config } from "../config";
import { type Argon2id, createPinHasher, type PinHasher, pinHasherOptionsFromConfig } from "./pin-hasher";

/**
 * argon2id through the native `argon2` package: hashing runs on libuv's thread pool, never on
 * the event loop. Note the pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise.
 */
export const nodeArgon2id: Argon2id = async ({ password, salt, secret, params, hashLength }) =>
  hash(password, {
    raw: true,
    type,
    salt: Buffer.from(salt),
    secret: Buffer.from(secret),
    hashLength,
    memoryCost: params.memoryKib,
    timeCost: params.passes,
    parallelism: params.parallelism,
  });

/** The Node hasher the configuration describes: by default one hash at a time per CPU core. */
export function createNodePinHasherFromConfig(config: Config): PinHasher {
  return createPinHasher(pinHasherOptionsFromConfig(config, availableParallelism()), nodeArgon2id);
}
