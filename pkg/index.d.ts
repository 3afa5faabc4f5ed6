// The same API in every environment: the entry files differ only in how they load the .wasm.
export * from "./sendgate.js";
export type * from "./types.js";
