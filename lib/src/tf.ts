/**
 * The one TensorFlow.js instance reglab uses, re-exported as `tf` so that notebooks, exercises and
 * tests never load a second copy of tfjs-core (two copies mean two engines and two kernel
 * registries). Like the `@tensorflow/tfjs` umbrella package, it merges tfjs-core and tfjs-layers.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
// Chained tensor methods (`x.square().sum()`, `x.max()`), as the umbrella @tensorflow/tfjs registers them.
import "./chained-ops";

// tfjs-backend-cpu prints a "looks like you are running TensorFlow.js in Node.js" banner to stderr
// the first time any cpu backend instance stores a tensor; it must not reach notebooks. Every
// instance sets `this.firstUse = true` in its constructor: an accessor on the prototype turns that
// assignment into a no-op, for the instances tfjs creates whenever it (re)initialises backends.
Object.defineProperty(MathBackendCPU.prototype, "firstUse", { get: () => false, set: () => {}, configurable: true });

export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
