/**
 * The part of the WebAssembly API this code uses: Node's type definitions for v20 leave it out,
 * though Node and Workers both provide it. Workers hand `.wasm` imports over compiled.
 */
declare namespace WebAssembly {
  // biome-ignore lint/suspicious/noEmptyInterface: an opaque handle, merged with fuller definitions where present.
  interface Module {}
  function compile(bytes: Uint8Array): Promise<Module>;
}

declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}
