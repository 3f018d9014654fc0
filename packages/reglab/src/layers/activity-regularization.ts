/**
 * Keras' ActivityRegularization layer: passes its input through unchanged and adds a penalty on it to
 * the cost. As in Keras (keras/src/layers/regularization/activity_regularization.py) the layer holds
 * a regularizer object and applies it to the activations: `{ l1, l2 }` builds an L1L2, and any other
 * regularizer — `orthogonal()`, a user's own — can be given instead. TensorFlow.js has no such layer,
 * and any tfjs layer given an `activityRegularizer` throws NotImplementedError; reglab's builders put
 * this layer right after a hidden Dense layer instead, which is exactly what Keras'
 * `activity_regularizer` computes.
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
import type { Kwargs, LayerArgs } from "../pinned";
import { L1L2 } from "../regularizers/l1l2";
import type { Regularizer } from "../regularizers/regularizer";
import { serializeRegularizer, type SerializedRegularizer, toRegularizer } from "../regularizers/serialize";
import * as tf from "../tf";
import { checkOneOf } from "../util/checks";

export const ACTIVITY_NORMALIZATIONS = ["batch", "sum"] as const;
export type ActivityNormalization = (typeof ACTIVITY_NORMALIZATIONS)[number];

export interface ActivityRegularizationArgs extends LayerArgs {
  /** L1 factor (default 0), as Keras' `ActivityRegularization(l1, l2)`. */
  l1?: number;
  /** L2 factor (default 0). */
  l2?: number;
  /** Any regularizer instead of l1/l2 (or its `{ className, config }`): what Keras calls the `activity_regularizer`. */
  regularizer?: Regularizer | SerializedRegularizer;
  /** "batch" (default): divide by the batch size; "sum": do not. */
  normalization?: ActivityNormalization;
}

const WHERE = "ActivityRegularization";

function regularizerOf(args: ActivityRegularizationArgs): Regularizer {
  if (args.regularizer === undefined) return new L1L2({ l1: args.l1 ?? 0, l2: args.l2 ?? 0 });
  if (args.l1 !== undefined || args.l2 !== undefined) {
    throw new Error(`${WHERE}: give either l1/l2 or a regularizer, not both`);
  }
  return toRegularizer(`${WHERE}: regularizer`, args.regularizer);
}

export class ActivityRegularization extends tf.layers.Layer {
  static className = "ActivityRegularization";
  /** The penalty applied to the activations. */
  readonly regularizer: Regularizer;
  readonly normalization: ActivityNormalization;
  private lastActivations: tf.Tensor | null = null;

  constructor(args: ActivityRegularizationArgs = {}) {
    super(args);
    this.regularizer = regularizerOf(args);
    this.normalization = checkOneOf(WHERE, "normalization", args.normalization ?? "batch", ACTIVITY_NORMALIZATIONS);
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
        `${WHERE} "${this.name}": the penalty is defined only right after a forward pass through the layer`,
      );
    }
    return tf.tidy(() => {
      const penalty = this.regularizer.apply(activations);
      return this.normalization === "batch" ? tf.div(penalty, activations.shape[0]) : penalty;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      regularizer: serializeRegularizer(this.regularizer),
      normalization: this.normalization,
      ...super.getConfig(),
    };
  }
}

/** Keras' `ActivityRegularization(l1=0, l2=0)` as a tfjs layer (or with any regularizer). */
export function activityRegularization(args: ActivityRegularizationArgs = {}): ActivityRegularization {
  return new ActivityRegularization(args);
}

tf.serialization.registerClass(ActivityRegularization);
