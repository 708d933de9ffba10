/**
 * Compare's config differences say "unused" for a setting the run's other settings leave without effect (a
 * CE run's alpha), instead of a value that looks active. The rule is src-shared/unused-settings.ts, the one
 * New run greys its fields out by.
 */
import type { ResolvedRunConfig } from '../../../src-main/api/contract';
import { unusedSettings } from '../../../src-shared/unused-settings';

export const UNUSED = 'unused';

/** Dotted paths under `config.` (as run-format's comparableConfig names them) that the run does not use. */
export function unusedConfigPaths(config: ResolvedRunConfig['config']): string[] {
  return Object.keys(unusedSettings(config)).map((p) => `config.${p}`);
}

/** A flattened config with each unused setting's value replaced by "unused". */
export function markUnused(flat: Record<string, string>, config: ResolvedRunConfig['config']): Record<string, string> {
  const out = { ...flat };
  for (const k of unusedConfigPaths(config)) if (k in out) out[k] = UNUSED;
  return out;
}
