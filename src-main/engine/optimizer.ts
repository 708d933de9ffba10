/**
 * SGD with momentum and coupled weight decay, with PyTorch's `torch.optim.SGD` semantics (dampening 0,
 * no Nesterov), which both reference codes use:
 *   g' = g + weightDecay * p
 *   buf = g'                       on a parameter's first step
 *   buf = momentum * buf + g'      afterwards
 *   p  -= lr * buf                 (p -= lr * g' when momentum = 0: no buffer is kept)
 * (Without dampening, "buf = g' on the first step" is the same as a zero-initialised buffer.)
 * tfjs's own tf.train.momentum has no weight decay and no plain-data state for checkpoints, and the
 * reference runs depend on coupled decay (IAL code: wd 0.1), hence this class.
 *
 * Also here: `GradientAccumulator`, which sums micro-batch gradients so one optimizer step per effective
 * batch equals the step of one big batch (use `denominator` = effective batch size in computeLossTerms).
 */
import { sgdConfigSchema } from '../../src-shared/run-config';
import { tf } from './tf';

export interface SgdConfig {
  momentum: number;
  /** Coupled (L2) weight decay, added to the gradient before momentum, as PyTorch's `weight_decay`. */
  weightDecay: number;
}

export { sgdConfigSchema };

/** Variables by name: a Map (its keys are the names), or a list (each variable's own `name`). */
export type NamedVariables = ReadonlyMap<string, tf.Variable> | readonly tf.Variable[];

/** Gradients by name, e.g. the `grads` of `tf.variableGrads` (keyed by `variable.name`) or a Map. */
export type NamedGradients = ReadonlyMap<string, tf.Tensor> | tf.NamedTensorMap;

/** Checkpointable optimizer state: plain data (structured-clone / v8.serialize friendly). */
export interface SgdState {
  kind: 'sgd';
  config: SgdConfig;
  /** Number of `step` calls made so far. */
  steps: number;
  /** Momentum buffers by variable name; a variable without one has not been stepped yet. */
  momentumBuffers: Record<string, { shape: number[]; values: Float32Array }>;
}

function toEntries<T>(named: ReadonlyMap<string, T> | Record<string, T>): Array<[string, T]> {
  return named instanceof Map ? [...named.entries()] : Object.entries(named as Record<string, T>);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class Sgd {
  private readonly variables: Map<string, tf.Variable>;
  /** variable.name -> our name, so gradients from tf.variableGrads work with a Map under other keys. */
  private readonly aliases = new Map<string, string>();
  private readonly buffers = new Map<string, tf.Tensor>();
  private stepCount = 0;
  readonly config: Readonly<SgdConfig>;

  constructor(variables: NamedVariables, config: SgdConfig) {
    this.config = Object.freeze(sgdConfigSchema.parse(config));
    const entries: Array<[string, tf.Variable]> = Array.isArray(variables)
      ? (variables as readonly tf.Variable[]).map((v) => [v.name, v])
      : [...(variables as ReadonlyMap<string, tf.Variable>).entries()];
    this.variables = new Map(entries);
    if (this.variables.size !== entries.length) throw new Error('two variables share a name');
    for (const [name, variable] of entries) this.aliases.set(variable.name, name);
  }

  get steps(): number {
    return this.stepCount;
  }

  /**
   * One update of every variable that has a gradient (variables without one are left alone, as PyTorch
   * skips parameters whose grad is None). Gradients may be keyed by our names or by `variable.name`.
   * The gradients are not disposed: the caller still owns them.
   */
  step(gradients: NamedGradients, lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`lr must be finite and >= 0, got ${lr}`);
    const byName = new Map<string, tf.Tensor>();
    for (const [key, grad] of toEntries(gradients)) {
      const name = this.variables.has(key) ? key : this.aliases.get(key);
      if (name === undefined) throw new Error(`gradient '${key}' matches no optimised variable`);
      const variable = this.variables.get(name)!;
      if (!sameShape(grad.shape, variable.shape)) {
        throw new Error(`gradient '${key}' has shape [${grad.shape}], variable '${name}' has [${variable.shape}]`);
      }
      byName.set(name, grad);
    }
    const { momentum, weightDecay } = this.config;
    tf.tidy(() => {
      for (const [name, grad] of byName) {
        const variable = this.variables.get(name)!;
        let direction: tf.Tensor = weightDecay !== 0 ? tf.add(grad, tf.mul(variable, weightDecay)) : grad;
        if (momentum !== 0) {
          const previous = this.buffers.get(name);
          const buffer = previous ? tf.add(tf.mul(previous, momentum), direction) : tf.clone(direction);
          this.buffers.set(name, tf.keep(buffer));
          previous?.dispose();
          direction = buffer;
        }
        variable.assign(tf.sub(variable, tf.mul(direction, lr)));
      }
    });
    this.stepCount++;
  }

  /** Copies of the momentum buffers and the step count, for a checkpoint. */
  getState(): SgdState {
    const momentumBuffers: SgdState['momentumBuffers'] = {};
    for (const [name, buffer] of this.buffers) {
      // slice(): the cpu backend's dataSync can hand out its own storage.
      momentumBuffers[name] = { shape: [...buffer.shape], values: (buffer.dataSync() as Float32Array).slice() };
    }
    return { kind: 'sgd', config: { ...this.config }, steps: this.stepCount, momentumBuffers };
  }

  /**
   * getState for any backend: each buffer is first read with the asynchronous data(), which caches its
   * values on the host, so getState's dataSync needs no synchronous GPU read (webgpu in Node has none).
   */
  async readState(): Promise<SgdState> {
    await Promise.all([...this.buffers.values()].map((b) => b.data()));
    return this.getState();
  }

  /**
   * Restores a checkpoint made by `getState` on an optimizer over the same variables. Throws (and changes
   * nothing) if the hyper-parameters differ, a buffer names an unknown variable, or a shape differs.
   */
  setState(state: SgdState): void {
    if (state.kind !== 'sgd') throw new Error(`not an SGD state: kind '${String(state.kind)}'`);
    for (const key of ['momentum', 'weightDecay'] as const) {
      if (state.config[key] !== this.config[key]) {
        throw new Error(`checkpoint was saved with ${key} ${state.config[key]}, this optimizer has ${this.config[key]}`);
      }
    }
    if (!Number.isInteger(state.steps) || state.steps < 0) throw new Error(`invalid step count ${state.steps}`);
    for (const [name, saved] of Object.entries(state.momentumBuffers)) {
      const variable = this.variables.get(name);
      if (!variable) throw new Error(`checkpoint has a momentum buffer for unknown variable '${name}'`);
      if (!sameShape(saved.shape, variable.shape)) {
        throw new Error(`momentum buffer '${name}' has shape [${saved.shape}], variable has [${variable.shape}]`);
      }
      const size = saved.shape.reduce((a, b) => a * b, 1);
      if (saved.values.length !== size) throw new Error(`momentum buffer '${name}' has ${saved.values.length} values, expected ${size}`);
    }
    this.disposeBuffers();
    for (const [name, saved] of Object.entries(state.momentumBuffers)) {
      this.buffers.set(name, tf.tensor(Float32Array.from(saved.values), saved.shape, 'float32'));
    }
    this.stepCount = state.steps;
  }

  /** Frees the momentum buffers (not the variables, which the caller owns). */
  dispose(): void {
    this.disposeBuffers();
  }

  private disposeBuffers(): void {
    for (const buffer of this.buffers.values()) buffer.dispose();
    this.buffers.clear();
  }
}

/**
 * Sums gradients over micro-batches. With each micro-batch loss divided by the effective batch size
 * (computeLossTerms `denominator`), the sum is exactly the big-batch gradient; `scale` covers the other
 * convention (per-micro-batch means weighted by size / effective size).
 * Caveat, outside this class: layers that depend on the batch (batch norm statistics) still see micro-batches.
 */
export class GradientAccumulator {
  private readonly sums = new Map<string, tf.Tensor>();
  private count = 0;

  /** Adds `scale * gradients`. Takes ownership: the given gradient tensors are disposed. */
  add(gradients: NamedGradients, scale = 1): void {
    if (!Number.isFinite(scale)) throw new RangeError(`scale must be finite, got ${scale}`);
    const entries = toEntries(gradients);
    for (const [name, grad] of entries) {
      const sum = this.sums.get(name);
      if (sum && !sameShape(sum.shape, grad.shape)) {
        throw new Error(`gradient '${name}' has shape [${grad.shape}], earlier micro-batches had [${sum.shape}]`);
      }
    }
    for (const [name, grad] of entries) {
      const sum = this.sums.get(name);
      if (!sum && scale === 1) {
        this.sums.set(name, grad); // first contribution: keep the tensor itself, no copy
        continue;
      }
      const next = tf.tidy(() => {
        const scaled = scale === 1 ? grad : tf.mul(grad, scale);
        return sum ? tf.add(sum, scaled) : scaled;
      });
      sum?.dispose();
      grad.dispose();
      this.sums.set(name, next);
    }
    this.count++;
  }

  /**
   * A micro-batch's step on a backend that reads asynchronously (webgpu): `read` reads its loss values,
   * where a GPU fault surfaces. Only after a good read are the gradients added; after a failed one they are
   * disposed and the error rethrown. `value` (the loss tensor) is disposed either way.
   */
  async addAfterRead<T>(gradients: tf.NamedTensorMap, value: tf.Tensor, read: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await read();
    } catch (err) {
      Object.values(gradients).forEach((g) => g.dispose());
      throw err;
    } finally {
      value.dispose();
    }
    this.add(gradients);
    return result;
  }

  /** Micro-batches added since the last `take`/`reset`. */
  get microBatches(): number {
    return this.count;
  }

  /** The summed gradients; the caller owns (and must dispose) them. The accumulator is left empty. */
  take(): Map<string, tf.Tensor> {
    const out = new Map(this.sums);
    this.sums.clear();
    this.count = 0;
    return out;
  }

  /** Drops (and disposes) whatever has been accumulated. */
  reset(): void {
    for (const sum of this.sums.values()) sum.dispose();
    this.sums.clear();
    this.count = 0;
  }
}
