/**
 * train's fast path on wasm: the optimizer update and the weights' L1/L2 penalties in one pass per
 * weight (backend/fused-momentum.ts), instead of tfjs' optimizer plus the penalties' autodiff.
 *
 * It applies when all of these hold, and otherwise train takes tfjs' own path:
 * - the backend runs the fused op (wasm, after `ready()`);
 * - train made the optimizer itself, from a name or an OptimizerSpec, so its state is private to this
 *   call (an optimizer instance the caller passed keeps tfjs' update, and its own state);
 * - it is SGD or SGD with momentum (Nesterov or not).
 * Penalty terms on trainable weights whose regularizer is L1, L2 or L1L2 move into the fused pass;
 * every other term (activity, orthogonal, custom regularizers) stays in the forward pass. The update
 * is tfjs' MomentumOptimizer's (plain SGD is momentum 0); the penalty's value comes from the same
 * weights the forward pass used, so the history reports exactly what a forward pass would.
 */
import { type MomentumStepAttrs, momentumStep, momentumStepAvailable } from "../backend/fused-momentum";
import { L1, L1L2, L2 } from "../regularizers/l1l2";
import * as tf from "../tf";
import type { PenaltyKind, PenaltyTerm } from "./penalties";

interface FusedWeight {
  variable: tf.Variable;
  accumulation: tf.Tensor;
  l1: number;
  l2: number;
  kind: PenaltyKind | null;
}

/** The L1/L2 factors of a regularizer the fused pass handles, or null. */
function factors(term: PenaltyTerm): { l1: number; l2: number } | null {
  const regularizer = term.regularizer;
  if (regularizer instanceof L1L2) return { l1: regularizer.l1, l2: regularizer.l2 };
  if (regularizer instanceof L1) return { l1: regularizer.l1, l2: 0 };
  if (regularizer instanceof L2) return { l1: 0, l2: regularizer.l2 };
  return null;
}

/** The update rule of an optimizer train made, if the fused pass can apply it. */
function updateRule(optimizer: tf.Optimizer): Pick<MomentumStepAttrs, "learningRate" | "momentum" | "nesterov"> | null {
  const config = optimizer.getConfig() as { learningRate?: number; momentum?: number; useNesterov?: boolean };
  if (optimizer.getClassName() === "SGD" && typeof config.learningRate === "number")
    return { learningRate: config.learningRate, momentum: 0, nesterov: false };
  if (optimizer.getClassName() === "Momentum" && typeof config.learningRate === "number")
    return { learningRate: config.learningRate, momentum: config.momentum ?? 0, nesterov: config.useNesterov ?? false };
  return null;
}

export class FusedStep {
  private constructor(
    private readonly weights: FusedWeight[],
    private readonly rule: Pick<MomentumStepAttrs, "learningRate" | "momentum" | "nesterov">,
    /** The penalty terms the forward pass still computes (and differentiates). */
    readonly forwardTerms: PenaltyTerm[],
  ) {}

  /** The fused step for this training run, or null when tfjs' own path must be taken (see above). */
  static plan(
    optimizer: tf.Optimizer,
    owned: boolean,
    terms: readonly PenaltyTerm[],
    variables: readonly tf.Variable[],
  ): FusedStep | null {
    const rule = owned ? updateRule(optimizer) : null;
    if (!rule || !momentumStepAvailable() || variables.some((v) => v.dtype !== "float32")) return null;
    const weights: FusedWeight[] = variables.map((variable) => ({
      variable,
      accumulation: tf.zerosLike(variable),
      l1: 0,
      l2: 0,
      kind: null,
    }));
    const byVariable = new Map(weights.map((w) => [w.variable, w]));
    const forwardTerms: PenaltyTerm[] = [];
    for (const term of terms) {
      const weight = term.weight ? byVariable.get(term.weight()) : undefined;
      const handled = weight && weight.kind === null && term.kind !== "activity" ? factors(term) : null;
      if (!weight || !handled) {
        forwardTerms.push(term);
        continue;
      }
      Object.assign(weight, handled, { kind: term.kind });
    }
    return new FusedStep(weights, rule, forwardTerms);
  }

  /**
   * Updates every weight from its gradient (by variable name, as tf.variableGrads returns them) and
   * returns the penalties the pass computed, by kind.
   */
  apply(grads: tf.NamedTensorMap): Record<"kernel" | "bias", tf.Scalar> {
    const penalties: Record<"kernel" | "bias", tf.Scalar[]> = { kernel: [], bias: [] };
    for (const weight of this.weights) {
      const gradient = grads[weight.variable.name];
      const [value, accumulation, penalty] = momentumStep(weight.variable, gradient, weight.accumulation, {
        ...this.rule,
        l1: weight.l1,
        l2: weight.l2,
      });
      weight.variable.assign(value);
      weight.accumulation.dispose();
      weight.accumulation = tf.keep(accumulation);
      value.dispose();
      if (weight.kind === "kernel" || weight.kind === "bias") penalties[weight.kind].push(penalty);
      else penalty.dispose();
    }
    const sum = (scalars: tf.Scalar[]) => (scalars.length ? (tf.addN(scalars) as tf.Scalar) : tf.scalar(0));
    return { kernel: sum(penalties.kernel), bias: sum(penalties.bias) };
  }

  dispose(): void {
    for (const weight of this.weights) weight.accumulation.dispose();
  }
}
