import { argon2id, setWASMModules } from "argon2-wasm-edge";
import type { Config } from "../config";
import { type Argon2id, createPinHasher, type PinHasher, pinHasherOptionsFromConfig } from "./pin-hasher";

/**
 * The package's two WebAssembly modules, compiled by the runtime before any code runs: on
 * Workers they are imported as modules (`import argon2 from "argon2-wasm-edge/wasm/argon2.wasm"`),
 * since compiling WebAssembly from bytes at run time is refused there.
 */
export type Argon2WasmModules = { argon2: WebAssembly.Module; blake2b: WebAssembly.Module };

/**
 * argon2id in WebAssembly, for runtimes without native addons. It runs on the calling thread,
 * so one hash at a time is the default: a second would only wait for the same CPU.
 */
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

export function createWasmPinHasherFromConfig(config: Config, modules: Argon2WasmModules): PinHasher {
  return createPinHasher(pinHasherOptionsFromConfig(config, 1), createWasmArgon2id(modules));
}
