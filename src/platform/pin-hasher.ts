import type { Config } from "../config";

/**
 * PIN hashing, runtime-agnostic: hashing and verification over the canonical argon2id PHC
 * format, the pepper and its rotation, and the bounded slots that keep memory-hard hashing from
 * swamping the process. A runtime brings only the argon2id computation itself (Node: the native
 * `argon2` package, node-pin-hasher.ts; Workers: WebAssembly, wasm-pin-hasher.ts), so a hash made
 * on one runtime verifies on the other.
 */

/** An argon2id PHC string and the version of the pepper that was mixed into it. */
export type PinHash = { phc: string; pepperVersion: number };

export type PinVerification = {
  matches: boolean;
  /** The hash was made with other parameters or an older pepper; store a fresh one. */
  needsRehash: boolean;
};

export type PinHashing = {
  hash(pin: string): Promise<PinHash>;
  verify(pin: string, stored: PinHash): Promise<PinVerification>;
};

/** Hashing is only reachable inside a slot, so no caller can bypass the limits. */
export type PinHasher = {
  /** Runs work holding one of a bounded number of slots; PinHasherBusyError when the slots and the queue are full. */
  withSlot<T>(work: (hashing: PinHashing) => Promise<T>): Promise<T>;
};

export type PinHashLimits = { maxConcurrent: number; maxQueued: number };

export type Argon2Params = { memoryKib: number; passes: number; parallelism: number };

export type Pepper = { version: number; secret: string };

/** One argon2id computation (version 0x13): the raw tag for these inputs, with the pepper as argon2's secret. */
export type Argon2id = (input: {
  password: string;
  salt: Uint8Array;
  secret: Uint8Array;
  params: Argon2Params;
  hashLength: number;
}) => Promise<Uint8Array>;

export type PinHasherOptions = {
  params: Argon2Params;
  pepper: Pepper;
  /** Older peppers still accepted when verifying, by the version stored with each hash. */
  previousPeppers: Pepper[];
  maxConcurrent: number;
  maxQueued: number;
};

const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** PIN hashing and verification on top of one runtime's argon2id, inside bounded slots. */
export function createPinHasher(options: PinHasherOptions, argon2id: Argon2id): PinHasher {
  const encode = (text: string) => new TextEncoder().encode(text);
  const peppers = new Map<number, Uint8Array>([
    ...options.previousPeppers.map((p): [number, Uint8Array] => [p.version, encode(p.secret)]),
    [options.pepper.version, encode(options.pepper.secret)],
  ]);
  const currentSecret = encode(options.pepper.secret);
  const { params } = options;

  const hashing: PinHashing = {
    async hash(pin) {
      const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
      const raw = await argon2id({ password: pin, salt, secret: currentSecret, params, hashLength: HASH_BYTES });
      return { phc: formatPhc(params, salt, raw), pepperVersion: options.pepper.version };
    },
    async verify(pin, stored) {
      const secret = peppers.get(stored.pepperVersion);
      // A hash whose pepper is no longer configured can never match; failing loudly beats locking people out quietly.
      if (!secret) throw new Error(`PIN pepper version ${stored.pepperVersion} is not configured`);
      const parsed = parsePhc(stored.phc);
      if (!parsed || parsed.version !== ARGON2_VERSION) {
        throw new Error("Stored PIN hash is not an argon2id (v=19) PHC string");
      }
      const raw = await argon2id({
        password: pin,
        salt: parsed.salt,
        secret,
        params: parsed.params,
        hashLength: parsed.hash.length,
      });
      const matches = constantTimeEqual(raw, parsed.hash);
      return { matches, needsRehash: matches && phcNeedsRehash(stored, params, options.pepper.version) };
    },
  };
  return limitPinHashing(hashing, { maxConcurrent: options.maxConcurrent, maxQueued: options.maxQueued });
}

/** The hasher options the configuration describes; the pepper is required (generated for the demo, set in production). */
export function pinHasherOptionsFromConfig(config: Config, defaultConcurrency: number): PinHasherOptions {
  if (!config.pinPepper) throw new Error("PIN_PEPPER is required to hash PINs");
  return {
    params: config.pin.argon2,
    pepper: { version: config.pin.pepperVersion, secret: config.pinPepper },
    previousPeppers: config.pin.previousPepper ? [config.pin.previousPepper] : [],
    maxConcurrent: config.pin.hashConcurrency ?? defaultConcurrency,
    maxQueued: config.pin.hashQueueMax,
  };
}

/** Compares in time that depends on the length only, never on where the first difference is. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

export class PinHasherBusyError extends Error {
  constructor() {
    super("PIN hashing slots and queue are full");
    this.name = "PinHasherBusyError";
  }
}

/** Wraps raw hashing in at most maxConcurrent running and maxQueued waiting jobs (first come, first served). */
export function limitPinHashing(hashing: PinHashing, limits: PinHashLimits): PinHasher {
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  return {
    async withSlot(work) {
      if (running < limits.maxConcurrent) {
        running += 1;
      } else if (waiting.length < limits.maxQueued) {
        // The releasing job hands its slot straight to us, so `running` stays the same.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        throw new PinHasherBusyError();
      }
      try {
        return await work(hashing);
      } finally {
        release();
      }
    },
  };
}

const ARGON2_VERSION = 19;
const PHC = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** The reference encoding (libargon2's): `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, unpadded base64. */
export function formatPhc(params: Argon2Params, salt: Uint8Array, hash: Uint8Array): string {
  const { memoryKib, passes, parallelism } = params;
  return `$argon2id$v=${ARGON2_VERSION}$m=${memoryKib},t=${passes},p=${parallelism}$${toBase64(salt)}$${toBase64(hash)}`;
}

export type ParsedPhc = { version: number; params: Argon2Params; salt: Uint8Array; hash: Uint8Array };

/** Undefined unless the string is an argon2id PHC string in the reference encoding. */
export function parsePhc(phc: string): ParsedPhc | undefined {
  const match = PHC.exec(phc);
  if (!match) return undefined;
  const [, version, m, t, p, salt, hash] = match;
  if (!version || !m || !t || !p || !salt || !hash) return undefined;
  return {
    version: Number(version),
    params: { memoryKib: Number(m), passes: Number(t), parallelism: Number(p) },
    salt: fromBase64(salt),
    hash: fromBase64(hash),
  };
}

/** Whether a stored hash should be redone with the current parameters and pepper. */
export function phcNeedsRehash(stored: PinHash, current: Argon2Params, currentPepperVersion: number): boolean {
  const parsed = parsePhc(stored.phc);
  return (
    parsed === undefined ||
    parsed.version !== ARGON2_VERSION ||
    parsed.params.memoryKib !== current.memoryKib ||
    parsed.params.passes !== current.passes ||
    parsed.params.parallelism !== current.parallelism ||
    stored.pepperVersion !== currentPepperVersion
  );
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "");
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
