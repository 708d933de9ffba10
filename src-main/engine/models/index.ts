/** Public surface of the model zoo. */
export { createModel, describeModel, isModelName, MODEL_NAMES, DEFAULT_MODEL_OPTIONS } from './registry';
export type { ModelName, CreateModelOptions } from './registry';
export { ModelOptionError } from './model';
export type { DferModel, ForwardResult, ModelInfo, ModelOptions } from './model';
