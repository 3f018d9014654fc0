/**
 * Seeded 2-D classification sets for decision-boundary pictures (as scikit-learn's make_moons,
 * make_circles, and the classic two-spirals problem). Samples alternate between classes.
 */
import { checkFraction, checkNonNegative, checkPositiveInteger } from "../util/checks";
import { mulberry32, normalSampler } from "../util/random";
import { classificationTensors, type ClassificationData } from "./synthetic";

export interface Shapes2DOptions {
  samples: number;
  /** Standard deviation of Gaussian noise added to both coordinates (default 0.1). */
  noise?: number;
  seed?: number;
}

export interface CirclesOptions extends Shapes2DOptions {
  /** Radius of the inner circle relative to the outer one (default 0.5). */
  factor?: number;
}

export interface SpiralsOptions extends Shapes2DOptions {
  /** Number of arms, one class each (default 2). */
  classes?: number;
  /** Turns of each arm (default 1.5). */
  turns?: number;
}

/** Shared body: `point(i, label, fraction)` places sample i of class `label`; noise is added here. */
function make2D(
  where: string,
  options: Shapes2DOptions,
  classes: number,
  point: (label: number, fraction: number) => [number, number],
): ClassificationData {
  const samples = checkPositiveInteger(where, "samples", options.samples);
  const noise = checkNonNegative(where, "noise", options.noise ?? 0.1);
  const random = mulberry32(options.seed ?? 0);
  const normal = normalSampler(random);
  const values = new Float32Array(samples * 2);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % classes;
    const [px, py] = point(label, random());
    labels[i] = label;
    values[2 * i] = px + noise * normal();
    values[2 * i + 1] = py + noise * normal();
  }
  return classificationTensors(values, labels, 2, classes);
}

/** Two interleaving half circles (class 0 on top, class 1 below, shifted right). */
export function makeMoons(options: Shapes2DOptions): ClassificationData {
  return make2D("makeMoons", options, 2, (label, t) => {
    const angle = Math.PI * t;
    return label === 0 ? [Math.cos(angle), Math.sin(angle)] : [1 - Math.cos(angle), 0.5 - Math.sin(angle)];
  });
}

/** A circle of class 1 inside a circle of class 0. */
export function makeCircles(options: CirclesOptions): ClassificationData {
  const factor = checkFraction("makeCircles", "factor", options.factor ?? 0.5, "(0, 1)");
  return make2D("makeCircles", options, 2, (label, t) => {
    const radius = label === 0 ? 1 : factor;
    return [radius * Math.cos(2 * Math.PI * t), radius * Math.sin(2 * Math.PI * t)];
  });
}

/** Interleaved spiral arms, one per class, radius growing from 0 to 1 along each arm. */
export function makeSpirals(options: SpiralsOptions): ClassificationData {
  const classes = checkPositiveInteger("makeSpirals", "classes", options.classes ?? 2);
  const turns = checkNonNegative("makeSpirals", "turns", options.turns ?? 1.5);
  return make2D("makeSpirals", options, classes, (label, t) => {
    const angle = 2 * Math.PI * (turns * t + label / classes);
    return [t * Math.cos(angle), t * Math.sin(angle)];
  });
}
