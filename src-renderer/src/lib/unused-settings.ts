/**
 * Settings a run config carries but its training does not use, so that views can say "unused" instead of
 * showing a value that looks active (Compare's config differences: a CE run's alpha). The rule, in one place:
 * with `loss.aux = 'none'` (cross-entropy only) every other loss setting (alpha, the decay A / lambda, the
 * log base, eps) has no effect on training (engine/losses.ts adds no auxiliary term).
 */
import type { ResolvedRunConfig } from '../../../src-main/api/contract';
import { flatten } from './run-format';

export const UNUSED = 'unused';

/** Dotted paths under `config.` (as run-format's comparableConfig names them) that the run does not use. */
export function unusedConfigPaths(config: ResolvedRunConfig['config']): string[] {
  if (config.loss.aux !== 'none') return [];
  return Object.keys(flatten(config.loss, 'config.loss')).filter((k) => k !== 'config.loss.aux');
}

/** A flattened config with each unused setting's value replaced by "unused". */
export function markUnused(flat: Record<string, string>, config: ResolvedRunConfig['config']): Record<string, string> {
  const out = { ...flat };
  for (const k of unusedConfigPaths(config)) if (k in out) out[k] = UNUSED;
  return out;
}
