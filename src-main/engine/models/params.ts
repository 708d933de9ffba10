/**
 * Named parameters and non-trainable state of one model.
 *
 * Every weight has a stable dotted name (`layer1.0.conv1.weight`), which is what checkpoints store. A store
 * built with `allocate: false` records names and shapes only, so a model can be described (parameter count,
 * FLOPs) without allocating, say, the 76 MB of IAL-GCA at 112x112.
 */
import { tf } from '../tf';
import type { Initializer } from './init';
import { modelRng } from '../../data/rng';

let storeCounter = 0;

export class Param {
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    /** false for state such as BatchNorm running statistics: saved in checkpoints, never given gradients. */
    readonly trainable: boolean,
    private readonly variable: tf.Variable | null,
  ) {}

  get size(): number {
    return this.shape.reduce((product, dim) => product * dim, 1);
  }

  get value(): tf.Variable {
    if (this.variable === null) {
      throw new Error(`parameter "${this.name}" has no value: the model was built for description only`);
    }
    return this.variable;
  }
}

export class ParamStore {
  private readonly params = new Map<string, Param>();
  /** tfjs variable names are global to the engine; a per-store tag keeps two models apart. */
  private readonly tag: string;

  constructor(
    readonly seed: number,
    readonly allocate: boolean = true,
    tagPrefix: string = 'model',
  ) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    this.tag = `${tagPrefix}_${++storeCounter}`;
  }

  create(name: string, shape: readonly number[], init: Initializer, trainable: boolean): Param {
    if (this.params.has(name)) throw new Error(`duplicate parameter name "${name}"`);
    if (shape.some((dim) => !Number.isInteger(dim) || dim <= 0)) {
      throw new Error(`parameter "${name}" has an invalid shape [${shape.join(', ')}]`);
    }
    let variable: tf.Variable | null = null;
    if (this.allocate) {
      const size = shape.reduce((product, dim) => product * dim, 1);
      const values = init(size, modelRng(this.seed, name));
      variable = tf.tidy(() => tf.variable(tf.tensor(values, [...shape], 'float32'), trainable, `${this.tag}/${name}`));
    }
    const param = new Param(name, [...shape], trainable, variable);
    this.params.set(name, param);
    return param;
  }

  all(): Param[] {
    return [...this.params.values()];
  }

  count(which: 'trainable' | 'state' | 'all' = 'trainable'): number {
    return this.all()
      .filter((p) => which === 'all' || p.trainable === (which === 'trainable'))
      .reduce((sum, p) => sum + p.size, 0);
  }

  trainableVariables(): tf.Variable[] {
    return this.all().filter((p) => p.trainable).map((p) => p.value);
  }

  namedTrainableVariables(): Map<string, tf.Variable> {
    return new Map(this.all().filter((p) => p.trainable).map((p) => [p.name, p.value]));
  }

  /** Copies of every trainable and non-trainable tensor, by stable name. The caller owns (and disposes) them. */
  getWeights(): Map<string, tf.Tensor> {
    return new Map(this.all().map((p) => [p.name, tf.clone(p.value)]));
  }

  /**
   * Replaces every weight. All names and shapes are checked before anything is assigned, so a bad
   * checkpoint leaves the model untouched instead of half-loaded.
   */
  setWeights(weights: ReadonlyMap<string, tf.Tensor>): void {
    const problems: string[] = [];
    for (const param of this.params.values()) {
      const tensor = weights.get(param.name);
      if (tensor === undefined) {
        problems.push(`missing weight "${param.name}" (expected shape [${param.shape.join(', ')}])`);
      } else if (!sameShape(tensor.shape, param.shape)) {
        problems.push(
          `weight "${param.name}" has shape [${tensor.shape.join(', ')}], expected [${param.shape.join(', ')}]`,
        );
      } else if (tensor.dtype !== 'float32') {
        problems.push(`weight "${param.name}" has dtype ${tensor.dtype}, expected float32`);
      }
    }
    for (const name of weights.keys()) {
      if (!this.params.has(name)) problems.push(`unexpected weight "${name}" (no such parameter in this model)`);
    }
    if (problems.length > 0) throw new Error(`cannot set weights: ${problems.join('; ')}`);
    for (const param of this.params.values()) param.value.assign(weights.get(param.name)!);
  }

  dispose(): void {
    for (const param of this.params.values()) if (this.allocate) param.value.dispose();
    this.params.clear();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/** A view of a store under a dotted prefix, so a block can name its weights without knowing where it sits. */
export class Scope {
  constructor(
    readonly store: ParamStore,
    readonly prefix: string = '',
  ) {}

  child(name: string | number): Scope {
    return new Scope(this.store, this.qualify(String(name)));
  }

  /** A trainable weight. */
  weight(name: string, shape: readonly number[], init: Initializer): Param {
    return this.store.create(this.qualify(name), shape, init, true);
  }

  /** Non-trainable state (checkpointed, no gradient). */
  state(name: string, shape: readonly number[], init: Initializer): Param {
    return this.store.create(this.qualify(name), shape, init, false);
  }

  private qualify(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}.${name}`;
  }
}
