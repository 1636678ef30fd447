import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { hash as argon2Hash, argon2id, verify as argon2Verify } from "argon2";
import type { Config } from "../config";
import {
  type Argon2Params,
  formatPhc,
  limitPinHashing,
  type Pepper,
  type PinHasher,
  type PinHashing,
  parsePhc,
  phcNeedsRehash,
} from "./pin-hasher";

const SALT_BYTES = 16;
const HASH_BYTES = 32;

export type NodePinHasherOptions = {
  params: Argon2Params;
  pepper: Pepper;
  /** Older peppers still accepted when verifying, by the version stored with each hash. */
  previousPeppers: Pepper[];
  /** Undefined: one per CPU core, since each hash keeps a libuv thread busy. */
  maxConcurrent: number | undefined;
  maxQueued: number;
};

/**
 * argon2id through the `argon2` package: hashing runs on libuv's thread pool, never on the
 * event loop. Note the pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise.
 */
export function createNodePinHasher(options: NodePinHasherOptions): PinHasher {
  const peppers = new Map<number, Buffer>([
    ...options.previousPeppers.map((p): [number, Buffer] => [p.version, Buffer.from(p.secret, "utf8")]),
    [options.pepper.version, Buffer.from(options.pepper.secret, "utf8")],
  ]);
  const currentSecret = peppers.get(options.pepper.version) as Buffer;
  const { params } = options;

  const hashing: PinHashing = {
    async hash(pin) {
      const salt = randomBytes(SALT_BYTES);
      const raw = await argon2Hash(pin, {
        raw: true,
        type: argon2id,
        salt,
        secret: currentSecret,
        hashLength: HASH_BYTES,
        memoryCost: params.memoryKib,
        timeCost: params.passes,
        parallelism: params.parallelism,
      });
      return { phc: formatPhc(params, salt, raw), pepperVersion: options.pepper.version };
    },
    async verify(pin, stored) {
      const secret = peppers.get(stored.pepperVersion);
      // A hash whose pepper is no longer configured can never match; failing loudly beats locking people out quietly.
      if (!secret) throw new Error(`PIN pepper version ${stored.pepperVersion} is not configured`);
      if (!parsePhc(stored.phc)) throw new Error("Stored PIN hash is not an argon2id PHC string");
      const matches = await argon2Verify(stored.phc, pin, { secret });
      return { matches, needsRehash: matches && phcNeedsRehash(stored, params, options.pepper.version) };
    },
  };

  return limitPinHashing(hashing, {
    maxConcurrent: options.maxConcurrent ?? availableParallelism(),
    maxQueued: options.maxQueued,
  });
}

/** The Node hasher the configuration describes; the pepper is required (generated for the demo, set in production). */
export function createNodePinHasherFromConfig(config: Config): PinHasher {
  if (!config.pinPepper) throw new Error("PIN_PEPPER is required to hash PINs");
  return createNodePinHasher({
    params: config.pin.argon2,
    pepper: { version: config.pin.pepperVersion, secret: config.pinPepper },
    previousPeppers: config.pin.previousPepper ? [config.pin.previousPepper] : [],
    maxConcurrent: config.pin.hashConcurrency,
    maxQueued: config.pin.hashQueueMax,
  });
}
