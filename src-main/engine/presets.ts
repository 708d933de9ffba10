/**
 * Run presets (resources/presets/*.json): partial run configs reproducing the paper's configurations, plus
 * a quick CPU preset for the built-in data. A preset is merged under the user's overrides, then validated
 * by the run-config schema like any config.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { resourcesDir } from '../app-paths';
import { mergeConfig } from '../../src-shared/config-paths';

export { mergeConfig };

export interface Preset {
  name: string;
  description: string;
  config: Record<string, unknown>;
}

const presetFileSchema = z.object({ description: z.string().min(1), config: z.record(z.string(), z.unknown()) });

export function presetsDir(): string {
  return path.join(resourcesDir(), 'presets');
}

export function listPresets(dir = presetsDir()): Preset[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const parsed = presetFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new Error(`preset ${file} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return { name: f.replace(/\.json$/, ''), ...parsed.data };
    });
}

export function getPreset(name: string, dir = presetsDir()): Preset {
  const found = listPresets(dir).find((p) => p.name === name);
  if (!found) throw new Error(`no preset '${name}'; presets: ${listPresets(dir).map((p) => p.name).join(', ')}`);
  return found;
}

