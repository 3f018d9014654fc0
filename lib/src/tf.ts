/**
 * The one TensorFlow.js instance reglab uses, re-exported as `tf` so that notebooks, exercises and
 * tests never load a second copy of tfjs-core (two copies mean two engines and two kernel
 * registries). Like the `@tensorflow/tfjs` umbrella package, it merges tfjs-core and tfjs-layers.
 */
import "@tensorflow/tfjs-backend-cpu";

export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
