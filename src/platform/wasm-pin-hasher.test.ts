import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { verify as referenceVerify } from "argon2";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeArgon2id } from "./node-pin-hasher";
import { type Argon2id, createPinHasher, type PinHasher, type PinHasherOptions } from "./pin-hasher";
import { createWasmArgon2id } from "./wasm-pin-hasher";

const PEPPER = "a-pepper-that-is-long-enough-for-the-config-0123";
const options: PinHasherOptions = {
  params: { memoryKib: 19_456, passes: 2, parallelism: 1 },
  pepper: { version: 3, secret: PEPPER },
  previousPeppers: [{ version: 2, secret: "the-previous-pepper-that-is-long-enough-4567" }],
  maxConcurrent: 1,
  maxQueued: 4,
};

async function compile(file: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(createRequire(import.meta.url).resolve(`argon2-wasm-edge/wasm/${file}`)));
}

const hashWith = (hasher: PinHasher, pin: string) => hasher.withSlot((h) => h.hash(pin));
const verifyWith = (hasher: PinHasher, pin: string, stored: Awaited<ReturnType<typeof hashWith>>) =>
  hasher.withSlot((h) => h.verify(pin, stored));

describe("argon2id in WebAssembly and in the native addon", () => {
  let wasmArgon2id: Argon2id;
  let wasm: PinHasher;
  const native = createPinHasher(options, nodeArgon2id);
  beforeAll(async () => {
    wasmArgon2id = createWasmArgon2id({ argon2: await compile("argon2.wasm"), blake2b: await compile("blake2b.wasm") });
    wasm = createPinHasher(options, wasmArgon2id);
  });

  it("compute the same tag for the same inputs, pepper included", async () => {
    const input = {
      password: "2580",
      salt: new Uint8Array(16).fill(9),
      secret: new TextEncoder().encode(PEPPER),
      params: { memoryKib: 8192, passes: 3, parallelism: 2 },
      hashLength: 32,
    };
    expect(await wasmArgon2id(input)).toEqual(new Uint8Array(await nodeArgon2id(input)));
  });

  it("verify each other's PHC strings, both ways, and refuse a wrong PIN", async () => {
    const fromNative = await hashWith(native, "2580");
    const fromWasm = await hashWith(wasm, "2580");
    expect(fromWasm.phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(fromWasm.pepperVersion).toBe(3);

    expect(await verifyWith(wasm, "2580", fromNative)).toEqual({ matches: true, needsRehash: false });
    expect(await verifyWith(native, "2580", fromWasm)).toEqual({ matches: true, needsRehash: false });
    expect((await verifyWith(wasm, "2581", fromNative)).matches).toBe(false);
    expect((await verifyWith(native, "2581", fromWasm)).matches).toBe(false);
    // The reference library reads the WebAssembly hash too, given the pepper as its secret.
    expect(await referenceVerify(fromWasm.phc, "2580", { secret: Buffer.from(PEPPER) })).toBe(true);
    expect(await referenceVerify(fromWasm.phc, "2580")).toBe(false);
  });

  it("verify a hash made with the previous pepper and ask for a rehash", async () => {
    const previous = createPinHasher(
      {
        ...options,
        pepper: { version: 2, secret: "the-previous-pepper-that-is-long-enough-4567" },
        previousPeppers: [],
      },
      nodeArgon2id,
    );
    const stored = await hashWith(previous, "7913");
    expect(await verifyWith(wasm, "7913", stored)).toEqual({ matches: true, needsRehash: true });
    await expect(verifyWith(wasm, "7913", { ...stored, pepperVersion: 1 })).rejects.toThrow(/pepper version 1/);
  });
});
