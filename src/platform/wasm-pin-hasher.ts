import { argon2id, setWASMModules } from "argon2-wasm-edge";
import type { Argon2id } from "./pin-hasher";

/**
 * The package's two WebAssembly modules, compiled by the runtime before any code runs: on
 * Workers they are imported as modules (`import argon2 from "argon2-wasm-edge/wasm/argon2.wasm"`),
 * since compiling WebAssembly from bytes at run time is refused there.
 */
export type Argon2WasmModules = { argon2: WebAssembly.Module; blake2b: WebAssembly.Module };

/** argon2id in WebAssembly, for runtimes without native addons; it runs on the calling thread. */
export function createWasmArgon2id(modules: Argon2WasmModules): Argon2id {
  setWASMModules({ argon2WASM: modules.argon2, blake2bWASM: modules.blake2b });
  return ({ password, salt, secret, params, hashLength }) =>
    argon2id({
      password,
      salt,
      secret,
      iterations: params.passes,
      parallelism: params.parallelism,
      memorySize: params.memoryKib,
      hashLength,
      outputType: "binary",
    });
}
