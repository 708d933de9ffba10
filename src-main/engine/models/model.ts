/**
 * The contract every model of the zoo keeps, and the base class that implements the bookkeeping (weights,
 * input checks, leak-free forward) so that a model file only describes its architecture.
 */
import { tf } from '../tf';
import { type ForwardContext, SeededForwardContexts } from './forward-context';
import { ParamStore, Scope } from './params';

export interface ModelOptions {
  numClasses: number;
  /** Frames per clip (T). */
  frames: number;
  /** Frame height = width, in pixels. */
  size: number;
  /** Seeds the initial weights and the dropout masks. */
  seed: number;
  /** Dropout rate in the transformer blocks and before the classifier; 0 (the references' value) by default. */
  dropout?: number;
}

/**
 * Options the architecture cannot take (too few frames, frames too small, an unknown model): the caller's
 * choice, naming the option, so a run config can point at its field. Other throws of a model are bugs.
 */
export class ModelOptionError extends Error {
  constructor(
    message: string,
    readonly option: 'name' | keyof ModelOptions,
  ) {
    super(message);
    this.name = 'ModelOptionError';
  }
}

export interface ModelInfo {
  /** Trainable parameters (BatchNorm running statistics excluded, as PyTorch's parameters() does). */
  params: number;
  /** FLOPs of one forward pass of one clip, 2 x multiply-accumulates (see flops.ts). */
  flopsPerClip: number;
}

export interface ForwardResult {
  /** [batch, numClasses], unnormalised. */
  logits: tf.Tensor2D;
  /** Extra heads trained with their own losses (IAL-GCA: one per GCA block), each [batch, numClasses]. */
  auxLogits?: tf.Tensor2D[];
}

export interface DferModel {
  readonly name: string;
  readonly options: Readonly<Required<ModelOptions>>;
  trainableVariables(): tf.Variable[];
  /** The same variables keyed by stable dotted names (`layer1.0.conv1.weight`). */
  namedTrainableVariables(): Map<string, tf.Variable>;
  /**
   * x: [batch, frames, size, size, 3], values in [0, 1]. Safe inside tf.variableGrads / optimizer.minimize:
   * intermediate tensors are released, only the returned ones remain (the caller disposes them).
   * training = true uses batch statistics in BatchNorm (and updates the running ones) and enables dropout.
   */
  forward(x: tf.Tensor5D, training: boolean): ForwardResult;
  info(): ModelInfo;
  /** Copies of all weights and BatchNorm statistics by stable name; the caller disposes them. */
  getWeights(): Map<string, tf.Tensor>;
  /** Loads all weights; throws naming any missing, unexpected or mis-shaped weight, and then changes nothing. */
  setWeights(weights: ReadonlyMap<string, tf.Tensor>): void;
  dispose(): void;
}

export function resolveModelOptions(options: ModelOptions): Required<ModelOptions> {
  const resolved = { ...options, dropout: options.dropout ?? 0 };
  const integerAtLeast = (field: keyof ModelOptions, minimum: number) => {
    const value = resolved[field];
    if (!Number.isInteger(value) || value < minimum) {
      throw new ModelOptionError(`model option "${field}" must be an integer >= ${minimum}, got ${value}`, field);
    }
  };
  integerAtLeast('numClasses', 2);
  integerAtLeast('frames', 1);
  integerAtLeast('size', 1);
  if (!Number.isInteger(resolved.seed)) throw new ModelOptionError(`model option "seed" must be an integer, got ${resolved.seed}`, 'seed');
  if (!(resolved.dropout >= 0 && resolved.dropout < 1)) {
    throw new ModelOptionError(`model option "dropout" must be in [0, 1), got ${resolved.dropout}`, 'dropout');
  }
  return resolved;
}

/** The smallest frame size (1..4096) for which `fits` holds: minimum sizes follow from the layer arithmetic. */
export function smallestSizeSatisfying(fits: (size: number) => boolean): number {
  for (let size = 1; size <= 4096; size++) if (fits(size)) return size;
  throw new Error('no frame size up to 4096 fits this architecture');
}

export abstract class FunctionalDferModel implements DferModel {
  readonly options: Readonly<Required<ModelOptions>>;
  protected readonly store: ParamStore;
  protected readonly root: Scope;
  private readonly contexts: SeededForwardContexts;

  constructor(
    readonly name: string,
    options: ModelOptions,
    /** false: record names and shapes only, for describeModel. */
    allocate: boolean,
  ) {
    this.options = resolveModelOptions(options);
    this.store = new ParamStore(this.options.seed, allocate, name);
    this.root = new Scope(this.store);
    this.contexts = new SeededForwardContexts(this.options.seed);
  }

  /** frames: [batch * T, H, W, 3], frame t of clip b at row b * T + t. */
  protected abstract run(frames: tf.Tensor4D, batch: number, ctx: ForwardContext): ForwardResult;

  protected abstract flopsPerClip(): number;

  /** Throws a clear error when the input is too small for the architecture (call from the constructor). */
  protected requireMinimumSize(minimum: number, reason: string): void {
    if (this.options.size < minimum) {
      throw new ModelOptionError(
        `model "${this.name}" needs frames of at least ${minimum}x${minimum} (${reason}); got ${this.options.size}x${this.options.size}`,
        'size',
      );
    }
  }

  forward(x: tf.Tensor5D, training: boolean): ForwardResult {
    this.checkInput(x);
    const [batch, frames, height, width, channels] = x.shape;
    const ctx = this.contexts.create(training);
    // tidy keeps exactly the tensors inside the returned object and releases every intermediate.
    const result = tf.tidy(() => {
      const { logits, auxLogits } = this.run(tf.reshape(x, [batch * frames, height, width, channels]), batch, ctx);
      return auxLogits === undefined ? { logits } : { logits, auxLogits };
    });
    return result as ForwardResult;
  }

  trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables();
  }

  namedTrainableVariables(): Map<string, tf.Variable> {
    return this.store.namedTrainableVariables();
  }

  info(): ModelInfo {
    return { params: this.store.count('trainable'), flopsPerClip: this.flopsPerClip() };
  }

  getWeights(): Map<string, tf.Tensor> {
    return this.store.getWeights();
  }

  setWeights(weights: ReadonlyMap<string, tf.Tensor>): void {
    this.store.setWeights(weights);
  }

  dispose(): void {
    this.store.dispose();
  }

  private checkInput(x: tf.Tensor): void {
    const { frames, size } = this.options;
    const expected = `[batch, ${frames}, ${size}, ${size}, 3]`;
    const [batch, t, h, w, c] = x.shape;
    if (x.rank !== 5 || !(batch >= 1) || t !== frames || h !== size || w !== size || c !== 3) {
      throw new Error(`model "${this.name}" expects input ${expected}, got [${x.shape.join(', ')}]`);
    }
    if (x.dtype !== 'float32') throw new Error(`model "${this.name}" expects float32 input, got ${x.dtype}`);
  }
}
