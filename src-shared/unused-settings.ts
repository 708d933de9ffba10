/**
 * Settings a run config carries but its training does not use, with why: the one rule that New run greys
 * fields out by and Compare reads "unused" by. The values stay in the config (config.json records what was
 * set), they just change nothing in the run: engine/losses.ts adds no auxiliary term for `aux: 'none'`,
 * IAL works on logits and has no clamp, only ial-gca has auxiliary heads, the pretraining options and the
 * lr restart act only with pretraining epochs (and a schedule that changes the rate), the augmentation
 * parameters only with augmentation on, and a thread count only on the wasm backend.
 */

/** The parts of a run config (or of New run's form, which holds one as typed) the rule reads. */
export interface UnusedSettingsInput {
  loss: { aux: string };
  model: { name: string };
  pretrain: { epochs: unknown };
  optimizer: { schedule: { kind: string } };
  augment: { enabled: unknown };
  backend: string;
}

const AUX_TERM = ['loss.alpha', 'loss.logBase', 'loss.decay.A', 'loss.decay.lambda', 'loss.eps', 'pretrain.withAuxLoss'];
const AUGMENT_PARAMETERS = ['augment.areaMin', 'augment.areaMax', 'augment.aspectMin', 'augment.aspectMax', 'augment.flipProbability', 'augment.brightness', 'augment.maxRotationDeg'];

/** Config paths the other settings leave unused, each with why (the first reason found). */
export function unusedSettings(c: UnusedSettingsInput): Record<string, string> {
  const out: Record<string, string> = {};
  const mark = (paths: string[], why: string) => {
    for (const p of paths) out[p] ??= why;
  };
  if (c.loss.aux === 'none') mark(AUX_TERM, 'unused: no auxiliary term (cross-entropy only)');
  else if (c.loss.aux === 'ial') mark(['loss.eps'], 'unused: IAL works on logits and needs no clamp');
  if (c.model.name !== 'ial-gca') mark(['auxHeadWeight'], 'unused: only ial-gca has auxiliary heads');
  if ((typeof c.pretrain.epochs === 'number' ? c.pretrain.epochs : 0) === 0) mark(['pretrain.withAuxLoss', 'pretrain.maxPerClass', 'optimizer.lrEpochs'], 'unused: no pretraining epochs');
  if (c.optimizer.schedule.kind === 'constant') mark(['optimizer.lrEpochs'], 'unused: the learning rate is constant');
  if (c.augment.enabled === false) mark(AUGMENT_PARAMETERS, 'unused: augmentation is off');
  if (c.backend !== 'auto' && c.backend !== 'wasm') mark(['threads'], 'unused: only the wasm backend takes a thread count');
  return out;
}
