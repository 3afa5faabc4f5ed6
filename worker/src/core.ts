// The sendgate package, initialised. pkg/package.json declares `"sideEffects": false`, so a
// bundler drops the `initSync` call in pkg/workerd.js; this module makes it explicitly (initSync
// is a no-op when the instance already exists). Every worker module imports sendgate from here.
import wasm from "sendgate/sendgate_bg.wasm";
import { initSync } from "sendgate";

initSync({ module: wasm });

export { checkSend, classifyFailure, classifyWebhook, normalizePhone } from "sendgate";
export type * from "sendgate";
