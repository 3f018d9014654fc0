/**
 * The one TensorFlow.js instance reglab uses, re-exported as `tf` so that notebooks, exercises and
 * tests never load a second copy of tfjs-core (two copies mean two engines and two kernel
 * registries). Like the `@tensorflow/tfjs` umbrella package, it merges tfjs-core and tfjs-layers.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
// Chained tensor methods (`x.square().sum()`, `x.max()`), as the umbrella @tensorflow/tfjs registers them.
import "./chained-ops";
import { silenceCpuBanner } from "./pinned";

// tfjs-backend-cpu's "running TensorFlow.js in Node.js" banner must not reach notebooks' stderr.
silenceCpuBanner(MathBackendCPU);

export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
