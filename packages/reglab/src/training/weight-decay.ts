/**
 * Decoupled weight decay as Keras 3 applies it (`keras.optimizers.AdamW`, and `SGD(weight_decay=…)`:
 * "SGDW"). Before each gradient step every trainable variable shrinks by its own value times
 * weightDecay · learningRate — outside the optimizer's moments, so under Adam the decay is not divided
 * by √v̂ the way an L2 penalty's gradient 2cw is (Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization", 2019). tfjs has neither optimizer.
 *
 * The update steps follow Keras 3's own formulas (keras/src/optimizers/adam.py, sgd.py) operation
 * for operation, epsilon added to √v (tfjs' Adam adds it to √v̂), so that the fixtures written by
 * Keras agree to float32 rounding.
 */
import * as tf from "../tf";
import { checkNonNegative } from "../util/checks";

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** Per-variable state, decoupled weight decay and the step count; subclasses write the update. */
abstract class DecoupledWeightDecayOptimizer extends tf.Optimizer {
  /** State variables per model variable, by the slot names the subclass lists. */
  private readonly slots = new Map<string, Slot[]>();

  readonly learningRate: number;
  readonly weightDecay: number;

  /** `where` names the optimizer in errors; `slotNames` its state per variable ("m", "v"). */
  protected constructor(
    where: string,
    config: { learningRate: unknown; weightDecay: unknown },
    private readonly slotNames: readonly string[],
  ) {
    super();
    this.learningRate = checkNonNegative(where, "learningRate", config.learningRate);
    if (this.learningRate === 0) throw new Error(`${where}: learningRate must be > 0, got 0`);
    this.weightDecay = checkNonNegative(where, "weightDecay", config.weightDecay);
  }

  /** The subclass's own settings, beside learningRate and weightDecay. */
  protected abstract ownConfig(): tf.serialization.ConfigDict;

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, ...this.ownConfig() };
  }

  /** One Keras update of `variable` (already decayed) from `gradient` at 1-based `step`. */
  protected abstract updateStep(variable: tf.Variable, gradient: tf.Tensor, state: tf.Variable[], step: number): void;

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const gradients = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const step = this.iterations + 1;
    tf.tidy(() => {
      for (const { name, tensor: gradient } of gradients) {
        if (gradient == null) continue;
        const variable = tf.engine().registeredVariables[name];
        if (this.weightDecay > 0) {
          variable.assign(tf.sub(variable, tf.mul(tf.mul(variable, this.weightDecay), this.learningRate)));
        }
        this.updateStep(variable, gradient, this.state(name, variable), step);
      }
    });
    this.incrementIterations();
  }

  private state(name: string, variable: tf.Variable): tf.Variable[] {
    let slots = this.slots.get(name);
    if (slots === undefined) {
      slots = this.slotNames.map((slot) => ({
        originalName: `${name}/${slot}`,
        variable: tf.zerosLike(variable).variable(false),
      }));
      this.slots.set(name, slots);
    }
    return slots.map((slot) => slot.variable);
  }

  /** Each subclass' constructor takes its getConfig() back. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }

  override dispose(): void {
    for (const slots of this.slots.values()) tf.dispose(slots.map((slot) => slot.variable));
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const state = this.slotNames.flatMap((_, k) => [...this.slots.values()].map((slots) => slots[k]));
    return [await this.saveIterations(), ...state.map((slot) => ({ name: slot.originalName, tensor: slot.variable }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const state = await this.extractIterations(weightValues);
    const perSlot = state.length / this.slotNames.length;
    this.dispose();
    for (let i = 0; i < perSlot; i++) {
      const name = state[i].name.slice(0, state[i].name.lastIndexOf("/"));
      this.slots.set(
        name,
        this.slotNames.map((_, k) => ({
          originalName: state[k * perSlot + i].name,
          variable: state[k * perSlot + i].tensor.variable(false),
        })),
      );
    }
  }
}

export interface AdamWConfig {
  learningRate: number;
  /** Keras' default: 0.004. */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  /** Keras' default: 1e-7, added to √v. */
  epsilon?: number;
}

/** Keras 3's `AdamW`: Adam's step after the decay w ← w − w·weightDecay·learningRate. */
export class AdamW extends DecoupledWeightDecayOptimizer {
  static readonly className = "AdamW";
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(config: AdamWConfig) {
    super("AdamW", { learningRate: config.learningRate, weightDecay: config.weightDecay ?? 0.004 }, ["m", "v"]);
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-7;
  }

  protected updateStep(variable: tf.Variable, gradient: tf.Tensor, [m, v]: tf.Variable[], step: number): void {
    // alpha = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ), in float32 as Keras casts each factor to the variable's dtype.
    const alpha = tf.div(
      tf.mul(this.learningRate, tf.sqrt(tf.sub(1, tf.pow(tf.scalar(this.beta2), step)))),
      tf.sub(1, tf.pow(tf.scalar(this.beta1), step)),
    );
    m.assign(tf.add(m, tf.mul(tf.sub(gradient, m), 1 - this.beta1)));
    v.assign(tf.add(v, tf.mul(tf.sub(tf.square(gradient), v), 1 - this.beta2)));
    variable.assign(tf.sub(variable, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), this.epsilon))));
  }

  protected ownConfig(): tf.serialization.ConfigDict {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export interface SGDWConfig {
  learningRate: number;
  weightDecay: number;
  /** 0 (the default) is plain SGD. */
  momentum?: number;
  nesterov?: boolean;
}

/** Keras 3's `SGD(weight_decay=…)`: SGD (with momentum, Nesterov) after the decay. */
export class SGDW extends DecoupledWeightDecayOptimizer {
  static readonly className = "SGDW";
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(config: SGDWConfig) {
    super("SGDW", config, ["m"]);
    this.momentum = checkNonNegative("SGDW", "momentum", config.momentum ?? 0);
    this.nesterov = config.nesterov ?? false;
  }

  protected updateStep(variable: tf.Variable, gradient: tf.Tensor, [m]: tf.Variable[]): void {
    const step = tf.mul(gradient, this.learningRate);
    if (this.momentum === 0) {
      variable.assign(tf.sub(variable, step));
      return;
    }
    // Keras keeps m = momentum·m − lr·g and adds it (Nesterov: momentum·m − lr·g once more).
    m.assign(tf.sub(tf.mul(m, this.momentum), step));
    variable.assign(tf.add(variable, this.nesterov ? tf.sub(tf.mul(m, this.momentum), step) : m));
  }

  protected ownConfig(): tf.serialization.ConfigDict {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

for (const cls of [AdamW, SGDW]) tf.serialization.registerClass(cls);
