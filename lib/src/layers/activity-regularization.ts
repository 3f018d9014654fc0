/**
 * Keras' ActivityRegularization layer: passes its input through unchanged and adds a penalty on
 * it, l1·Σ|a| + l2·Σa², to the cost. TensorFlow.js has no such layer, and any tfjs layer given an
 * `activityRegularizer` throws NotImplementedError; reglab's builders put this layer right after a
 * hidden Dense layer instead, which is exactly what Keras' `activity_regularizer` computes.
 *
 * Normalisation (the penalty's scale depends on the batch):
 *   "batch" (default)  penalty / batch size: tf.keras 2 and Keras ≥ 3.14 ("batch-agnostic").
 *   "sum"              the undivided sum: Keras 2.2.4 (the original course) and Keras 3.0–3.13.
 *
 * How the penalty gets a gradient: `call` keeps a clone of the activations it passed through, and
 * the loss closure registered with `addLoss` reads it. TensorFlow.js evaluates those closures
 * inside the optimizer's `minimize`, after the forward pass of the same step, so the penalty is
 * differentiated through the very activations of that step — in reglab's `train` and in stock
 * `model.fit` alike. The clone is kept (a model's forward pass disposes its intermediate tensors
 * when it returns) until the next forward pass, `releaseActivations()` or `dispose()`.
 */
import type { LayerArgs } from "@tensorflow/tfjs-layers/dist/engine/topology";
import type { Kwargs } from "@tensorflow/tfjs-layers/dist/types";
import { normPenalty } from "../regularizers/norms";
import * as tf from "../tf";
import { checkFactor, checkOneOf } from "../util/checks";

export const ACTIVITY_NORMALIZATIONS = ["batch", "sum"] as const;
export type ActivityNormalization = (typeof ACTIVITY_NORMALIZATIONS)[number];

export interface ActivityRegularizationArgs extends LayerArgs {
  /** L1 factor (default 0). */
  l1?: number;
  /** L2 factor (default 0). */
  l2?: number;
  /** "batch" (default): divide by the batch size; "sum": do not. */
  normalization?: ActivityNormalization;
}

export class ActivityRegularization extends tf.layers.Layer {
  static className = "ActivityRegularization";
  readonly l1: number;
  readonly l2: number;
  readonly normalization: ActivityNormalization;
  private lastActivations: tf.Tensor | null = null;

  constructor(args: ActivityRegularizationArgs = {}) {
    super(args);
    this.l1 = checkFactor("ActivityRegularization", "l1", args.l1 ?? 0);
    this.l2 = checkFactor("ActivityRegularization", "l2", args.l2 ?? 0);
    this.normalization = checkOneOf(
      "ActivityRegularization",
      "normalization",
      args.normalization ?? "batch",
      ACTIVITY_NORMALIZATIONS,
    );
    this.supportsMasking = true;
    this.addLoss(() => this.activityPenalty());
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const activations = Array.isArray(inputs) ? inputs[0] : inputs;
    this.releaseActivations();
    this.lastActivations = tf.keep(tf.clone(activations));
    // A new tensor (sharing the data): returning the input object itself would let the executor
    // dispose it twice.
    return tf.clone(activations);
  }

  /** Frees the activations kept from the latest forward pass. */
  releaseActivations(): void {
    this.lastActivations?.dispose();
    this.lastActivations = null;
  }

  override dispose(): ReturnType<tf.layers.Layer["dispose"]> {
    this.releaseActivations();
    return super.dispose();
  }

  /**
   * The penalty on the activations of the latest forward pass. Only meaningful right after it
   * (inside the same tidy / minimize), which is where training and `evaluateCost` call it.
   */
  activityPenalty(): tf.Scalar {
    const activations = this.lastActivations;
    if (activations == null || activations.isDisposed) {
      throw new Error(
        `ActivityRegularization "${this.name}": the penalty is defined only right after a forward pass through the layer`,
      );
    }
    return tf.tidy(() => {
      const penalty = normPenalty(activations, this.l1, this.l2);
      return this.normalization === "batch" ? tf.div(penalty, activations.shape[0]) : penalty;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { l1: this.l1, l2: this.l2, normalization: this.normalization, ...super.getConfig() };
  }
}

/** Keras' `ActivityRegularization(l1=0, l2=0)` as a tfjs layer. */
export function activityRegularization(args: ActivityRegularizationArgs = {}): ActivityRegularization {
  return new ActivityRegularization(args);
}

tf.serialization.registerClass(ActivityRegularization);
