/**
 * Finds every penalty a model adds to its cost and says what it penalises: a kernel, a bias, or a
 * layer's activations. Training minimises exactly the sum of these terms, and the reports break
 * the same terms down, so what is reported is what is optimised.
 */
import { ActivityRegularization } from "../layers/activity-regularization";
import { nestedLayers, weightRegularizers } from "../pinned";
import * as tf from "../tf";

export type PenaltyKind = "kernel" | "bias" | "activity";

export interface PenaltyTerm {
  layer: string;
  kind: PenaltyKind;
  compute(): tf.Scalar;
}

interface LayerVariableLike {
  read(): tf.Variable;
}

function flattenLayers(layer: tf.layers.Layer): tf.layers.Layer[] {
  const nested = nestedLayers<tf.layers.Layer>(layer);
  return nested ? nested.flatMap(flattenLayers) : [layer];
}

export function collectPenalties(model: tf.LayersModel): PenaltyTerm[] {
  const terms: PenaltyTerm[] = [];
  for (const layer of flattenLayers(model)) {
    const own: PenaltyTerm[] = [];
    if (layer instanceof ActivityRegularization) {
      own.push({ layer: layer.name, kind: "activity", compute: () => layer.activityPenalty() });
    }
    for (const { regularizer, weight, kind } of weightRegularizers<LayerVariableLike>(layer)) {
      own.push({ layer: layer.name, kind, compute: () => regularizer.apply(weight.read()) });
    }
    if (own.length !== layer.losses.length) {
      throw new Error(
        `reglab: layer "${layer.name}" (${layer.getClassName()}) adds ${layer.losses.length} penalty term(s) to the cost ` +
          `but reglab can attribute only ${own.length} of them to a kernel, bias or activations`,
      );
    }
    terms.push(...own);
  }
  return terms;
}

/** Frees what activity penalties kept of the latest forward pass (after training or evaluating). */
export function releaseActivations(model: tf.LayersModel): void {
  for (const layer of flattenLayers(model)) {
    if (layer instanceof ActivityRegularization) layer.releaseActivations();
  }
}

/** Sum of the terms of each kind, as scalars (zero where there are none). */
export function penaltiesByKind(terms: PenaltyTerm[]): Record<PenaltyKind, tf.Scalar> {
  const totals: Record<PenaltyKind, tf.Scalar> = {
    kernel: tf.scalar(0),
    bias: tf.scalar(0),
    activity: tf.scalar(0),
  };
  for (const term of terms) totals[term.kind] = tf.add(totals[term.kind], term.compute());
  return totals;
}
