/**
 * PIN hashing, runtime-agnostic: the interface every runtime implements (Node: node-pin-hasher.ts),
 * the canonical argon2id PHC format both read and write, and the bounded slots that keep
 * memory-hard hashing from swamping the process.
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
