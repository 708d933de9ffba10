/**
 * The model zoo's factory: `createModel` builds a model with seeded weights; `describeModel` reports its
 * parameter count and FLOPs without allocating any weight.
 */
import { FormerDferModel } from './former-dfer';
import { IalGcaModel } from './ial-gca';
import { ModelOptionError, type DferModel, type ModelInfo, type ModelOptions } from './model';
import { SmallDferModel } from './small';
import { MODEL_NAMES, type ModelName } from '../../../src-shared/run-config';

export { MODEL_NAMES, type ModelName } from '../../../src-shared/run-config';

/** Options a caller may omit: 7 classes, 16 frames of 112x112, as in the paper's protocol. */
export type CreateModelOptions = Partial<Omit<ModelOptions, 'seed'>> & Pick<ModelOptions, 'seed'>;

export const DEFAULT_MODEL_OPTIONS = { numClasses: 7, frames: 16, size: 112, dropout: 0 } as const;

const BUILDERS: Record<ModelName, (options: ModelOptions, allocate: boolean) => DferModel> = {
  small: (options, allocate) => new SmallDferModel(options, allocate),
  'former-dfer': (options, allocate) => new FormerDferModel(options, allocate),
  'ial-gca': (options, allocate) => new IalGcaModel(options, allocate),
};

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

function build(name: string, options: CreateModelOptions, allocate: boolean): DferModel {
  if (!isModelName(name)) throw new ModelOptionError(`unknown model "${name}"; known models: ${MODEL_NAMES.join(', ')}`, 'name');
  // `??` rather than spreading, so that an option passed as undefined still gets its default.
  const resolved: ModelOptions = {
    numClasses: options.numClasses ?? DEFAULT_MODEL_OPTIONS.numClasses,
    frames: options.frames ?? DEFAULT_MODEL_OPTIONS.frames,
    size: options.size ?? DEFAULT_MODEL_OPTIONS.size,
    dropout: options.dropout ?? DEFAULT_MODEL_OPTIONS.dropout,
    seed: options.seed,
  };
  return BUILDERS[name](resolved, allocate);
}

export function createModel(name: string, options: CreateModelOptions): DferModel {
  return build(name, options, true);
}

export function describeModel(name: string, options: CreateModelOptions): ModelInfo {
  return build(name, options, false).info();
}
