/**
 * The names of the contract's methods as a plain list, and the IPC event channel: what the preload needs,
 * without the schemas. The preload is bundled whole into a sandboxed script, and importing `contract.ts`
 * there would bring all of zod with it (about 200 kB) only to read these names.
 *
 * `contract.ts` is checked against this list: its table must have exactly these keys (a compile error
 * otherwise, and tests/unit/api/method-names.test.ts), so adding a method means adding its name here too.
 *
 * No imports: this file must stay free of zod, Node and Electron.
 */
export const METHOD_NAMES = [
  'system:info',
  'system:pickFolder',
  'datasets:list',
  'datasets:add',
  'datasets:remove',
  'datasets:check',
  'datasets:synth',
  'presets:list',
  'runs:validate',
  'runs:estimate',
  'runs:create',
  'runs:list',
  'runs:get',
  'runs:eval',
  'runs:predictions',
  'runs:cancel',
  'runs:resume',
  'runs:update',
  'runs:trash',
  'runs:restore',
  'runs:trashList',
  'runs:export',
  'studies:templates',
  'studies:preview',
  'studies:create',
  'studies:list',
  'studies:get',
  'studies:run',
  'studies:cancel',
  'studies:extend',
  'studies:report',
  'studies:export',
  'combine:evaluate',
  'combine:curve',
  'combine:search',
  'combine:save',
  'combine:list',
  'camera:hold',
  'clips:list',
  'clips:save',
  'clips:import',
  'clips:update',
  'clips:delete',
  'clips:frame',
  'clips:video',
  'predict:clips',
] as const;

/** A method's name, as listed above (the contract's `MethodName` is the same union). */
export type ListedMethodName = (typeof METHOD_NAMES)[number];

/** The IPC channel on which the Node side pushes EventMessages to the app's windows. */
export const EVENT_CHANNEL = 'api:event';
