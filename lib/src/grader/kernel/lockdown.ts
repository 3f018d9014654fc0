/**
 * Run by the grader before a submission's first cell, in the grading kernel: freezes the check
 * helpers and the JavaScript built-ins they and the tests rely on, and pins the module-cache entries
 * test cells import them through, so student code that runs later cannot swap them out.
 * What this does not stop is in the README's threat model.
 */
import vm = require("node:vm");
import { check } from "./check";

const PINNED_MODULES = ["./check", "../../index"];

function pinModule(request: string): void {
  const path = require.resolve(request);
  require(path);
  const entry = require.cache[path];
  if (!entry) return;
  Object.freeze(entry.exports);
  Object.defineProperty(require.cache, path, { value: entry, writable: false, configurable: false, enumerable: true });
}

/** The built-ins a test's arithmetic and comparisons go through. */
function freezeIntrinsics(): void {
  for (const value of [
    Math,
    JSON,
    Reflect,
    Number,
    Boolean,
    String,
    Array,
    Object,
    Number.prototype,
    String.prototype,
    Array.prototype,
    Function.prototype,
  ]) {
    Object.freeze(value);
  }
}

let locked = false;

export function lockdown(): void {
  if (locked) return;
  locked = true;
  Object.freeze(check);
  for (const method of Object.values(check)) Object.freeze(method);
  for (const request of PINNED_MODULES) pinModule(request);
  // tslab hands every cell its `require` through globalThis.__tslab__: pin that too.
  const tslab = (globalThis as { __tslab__?: object }).__tslab__;
  if (tslab) {
    Object.freeze(tslab);
    Object.defineProperty(globalThis, "__tslab__", { value: tslab, writable: false, configurable: false });
  }
  // tslab runs every cell through node:vm; frozen, student code cannot intercept later cells there.
  Object.freeze(vm.Script.prototype);
  Object.freeze(vm);
  freezeIntrinsics();
}
