/** Public surface of the model zoo. */
export { createModel, describeModel, isModelName, MODEL_NAMES, DEFAULT_MODEL_OPTIONS } from './factory';
export type { ModelName, CreateModelOptions } from './factory';
export { ModelOptionError } from './model';
export type { DferModel, ForwardResult, ModelInfo, ModelOptions } from './model';
