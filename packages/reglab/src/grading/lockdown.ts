/**
 * Run by the grader before a submission's first cell, in the grading kernel (the sandbox around the
 * kernel is sandbox.ts's job; this is the part inside the process). It pins what test cells and
 * tslab's replies go through, so student code that runs later cannot swap it out:
 *
 * - Node's module loader (`Module._load`, `_resolveFilename`, the cache object and its entries), so
 *   `require("reglab")` in a test cell gets the real library;
 * - the loaded modules of reglab, tslab, zeromq, TensorFlow.js and tslab's TypeScript: their exports
 *   and the prototypes of the classes and instances they export (tslab's reply path, the compiler
 *   every test cell passes through, the check helpers);
 * - tslab's display publisher, which accepts only tslab's own per-cell publisher from then on;
 * - the JavaScript built-ins a check's arithmetic and comparisons go through.
 *
 * What this does not stop is in the README's threat model.
 */
import Module = require("node:module");
import vm = require("node:vm");
import { join, sep } from "node:path";
import { check } from "./check";

/** Modules test cells use, loaded (and so pinned) before student code can get to them first. */
const PRELOADED = ["../index", "tslab", "@tensorflow/tfjs-backend-wasm"];

/** Loaded files under these folders are pinned. */
const PINNED_PACKAGES = ["tslab", "@tslab", "zeromq", "@tensorflow"].map(
  (name) => `${sep}node_modules${sep}${name}${sep}`,
);
const LIBRARY_DIST = join(__dirname, "..") + sep;

const functionSource = Function.prototype.toString;
const getPrototypeOf = Object.getPrototypeOf;
const freeze = Object.freeze;

/** Prototypes shared with everything else: left alone here (the built-ins are frozen separately). */
const INTRINSIC_PROTOTYPES = new Set<unknown>([Object.prototype, Function.prototype, null]);

/** An instance's own class's methods (its parent classes are frozen where their module exports them). */
function freezePrototypeOf(value: object, seen: Set<object>): void {
  const proto: unknown = getPrototypeOf(value);
  if (INTRINSIC_PROTOTYPES.has(proto) || seen.has(proto as object)) return;
  seen.add(proto as object);
  freeze(proto);
}

/**
 * Freezes a module's exports, the namespaces it exports (tf.layers…), and the prototypes of the
 * classes and instances in them — not the instances themselves, whose state must keep changing
 * (tfjs' engine, a model's weights), nor shared parents like EventEmitter.prototype, whose fields
 * instances assign.
 */
function hardenExports(exports: unknown, seen: Set<object>, depth = 0): void {
  if ((typeof exports !== "object" && typeof exports !== "function") || exports === null || seen.has(exports)) return;
  seen.add(exports);
  const plain = depth === 0 || INTRINSIC_PROTOTYPES.has(getPrototypeOf(exports)) || typeof exports === "function";
  if (typeof exports === "function" && typeof exports.prototype === "object" && exports.prototype !== null) {
    if (!seen.has(exports.prototype)) {
      seen.add(exports.prototype);
      freeze(exports.prototype);
    }
  }
  if (!plain) {
    freezePrototypeOf(exports, seen); // an instance: its class's methods, not its state
    return;
  }
  if (depth < 3) {
    for (const key of Reflect.ownKeys(exports)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(exports, key);
      if (descriptor && "value" in descriptor) hardenExports(descriptor.value, seen, depth + 1);
    }
  }
  freeze(exports);
}

function pinnedPath(path: string): boolean {
  return path.startsWith(LIBRARY_DIST) || PINNED_PACKAGES.some((folder) => path.includes(folder));
}

/** Pins the loader's functions and the cache entries of the pinned modules. */
function pinLoader(): void {
  const loader = Module as unknown as Record<string, unknown>;
  const seen = new Set<object>();
  for (const [path, entry] of Object.entries(require.cache)) {
    if (!entry || !pinnedPath(path)) continue;
    hardenExports(entry.exports, seen);
    Object.defineProperty(require.cache, path, {
      value: entry,
      writable: false,
      configurable: false,
      enumerable: true,
    });
    Object.defineProperty(entry, "exports", { writable: false, configurable: false });
  }
  for (const name of ["_load", "_resolveFilename", "_findPath", "_nodeModulePaths", "_cache", "_extensions"]) {
    if (Object.getOwnPropertyDescriptor(loader, name)?.configurable)
      Object.defineProperty(loader, name, { writable: false, configurable: false });
  }
  freeze(loader._extensions);
  freeze(Module.prototype);
}

/**
 * tslab sets `lastWriteDisplayData` to the current cell's publisher before each cell; from now on
 * the property takes only functions with the same source as that publisher (tslab's own closure),
 * so student code cannot put a wrapper there to rewrite what a later test cell reports.
 */
function pinDisplayPublisher(): void {
  const entry = Object.entries(require.cache).find(([path]) =>
    path.endsWith(`${sep}tslab${sep}dist${sep}jupyter.js`),
  )?.[1];
  if (!entry) return;
  const jupyter = entry.exports as { lastWriteDisplayData?: unknown };
  let current = jupyter.lastWriteDisplayData;
  if (typeof current !== "function") return;
  const genuine = functionSource.call(current);
  Object.defineProperty(jupyter, "lastWriteDisplayData", {
    enumerable: true,
    configurable: false,
    get: () => current,
    set: (next: unknown) => {
      if (typeof next === "function" && functionSource.call(next) === genuine) current = next;
    },
  });
}

/** The built-ins a test's arithmetic, comparisons and tslab's message handling go through. */
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
    Promise,
    Number.prototype,
    String.prototype,
    Array.prototype,
    Function.prototype,
    Promise.prototype,
    RegExp.prototype,
    Map.prototype,
    Set.prototype,
    WeakMap.prototype,
    // tslab builds each reply by assigning to a fresh object (`reply.content = …`) and serialises it
    // with JSON.stringify: a setter or toJSON added here would rewrite every reply.
    Object.prototype,
  ]) {
    freeze(value);
  }
  hardenExports(require("node:crypto"), new Set()); // tslab signs every message through it
}

let locked = false;

export function lockdown(): void {
  if (locked) return;
  locked = true;
  for (const request of PRELOADED) require(request);
  freeze(check);
  for (const method of Object.values(check)) freeze(method);
  pinDisplayPublisher();
  pinLoader();
  // tslab hands every cell its `require` through globalThis.__tslab__: pin that too.
  const tslab = (globalThis as { __tslab__?: object }).__tslab__;
  if (tslab) {
    freeze(tslab);
    Object.defineProperty(globalThis, "__tslab__", { value: tslab, writable: false, configurable: false });
  }
  // tslab runs every cell through node:vm; frozen, student code cannot intercept later cells there.
  freeze(vm.Script.prototype);
  freeze(vm);
  freezeIntrinsics();
}
