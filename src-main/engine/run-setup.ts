/**
 * From a user's run config to what the trainer needs: the resolved, immutable config.json, and the clip
 * lists of each part of the run (pretraining subset, training, validation hold-out, test fold).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pkg from '../../package.json';
import { fingerprintDataset } from '../data/cache';
import { stratifiedHoldout } from '../data/holdout';
import { openDataset } from '../data/open-dataset';
import { createRng, hashSeed, shuffleInPlace } from '../data/rng';
import type { ClipRecord, DatasetIndex, DatasetSplit } from '../data/types';
import { getDataset } from '../workspace/dataset-store';
import type { ResolvedRunConfig } from '../workspace/run-records';
import { newRunId } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { describeModel, ModelOptionError, type ModelInfo } from './models';
import { runConfigSchema, type RunConfig, type RunConfigInput } from '../../src-shared/run-config';
import { ServiceError } from '../workspace/service-error';

let codeVersionCache: string | null = null;
/** Workbench version plus the git commit when the code runs from a checkout. */
export function codeVersion(): string {
  if (codeVersionCache) return codeVersionCache;
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: path.dirname(new URL(import.meta.url).pathname), stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
      .toString()
      .trim();
  } catch {
    /* not a checkout (installed app): the version alone */
  }
  codeVersionCache = commit ? `${pkg.version}+${commit}` : pkg.version;
  return codeVersionCache;
}

export class RunSetupError extends ServiceError {
  /** The field inside the run config (`model.frames`); `field` names it as the API argument does (`config.model.frames`). */
  constructor(
    message: string,
    readonly configField?: string,
  ) {
    super('invalid', message, configField === undefined ? 'config' : `config.${configField}`);
    this.name = 'RunSetupError';
  }
}

/** The run-config field behind each model option, so a refusal points at what the user chose. */
const FIELD_OF_MODEL_OPTION: Record<ModelOptionError['option'], string> = {
  name: 'model.name',
  frames: 'model.frames',
  size: 'model.size',
  dropout: 'model.dropout',
  seed: 'seed',
  numClasses: 'dataset.id',
};

/**
 * Parameter count and FLOPs of the config's model for `numClasses` classes. A combination the architecture
 * cannot take (IAL-GCA with 1 frame, frames too small for a model) is a RunSetupError naming its config field;
 * any other throw is a bug and passes unchanged.
 */
export function describeConfigModel(config: Pick<RunConfig, 'model' | 'seed'>, numClasses: number): ModelInfo {
  try {
    return describeModel(config.model.name, {
      numClasses,
      frames: config.model.frames,
      size: config.model.size,
      dropout: config.model.dropout,
      seed: config.seed,
    });
  } catch (err) {
    if (err instanceof ModelOptionError) throw new RunSetupError(err.message, FIELD_OF_MODEL_OPTION[err.option]);
    throw err;
  }
}

export function findSplit(index: DatasetIndex, name: string | undefined): DatasetSplit {
  if (index.splits.length === 0) throw new RunSetupError(`dataset ${index.root} has no splits`, 'dataset.split');
  if (!name) return index.splits[0]!;
  const split = index.splits.find((s) => s.name === name || String(s.fold) === name);
  if (!split) {
    throw new RunSetupError(`dataset has no split '${name}'; it has: ${index.splits.map((s) => s.name).join(', ')}`, 'dataset.split');
  }
  return split;
}

/** Validates a config, checks its dataset and split exist, and returns what config.json will hold. */
/**
 * Datasets opened (and fingerprinted) once for many configs: a study resolves dozens of runs on the same
 * dataset, and fingerprinting stats every clip.
 */
export type DatasetContextCache = Map<string, Promise<{ entry: { id: string }; index: DatasetIndex; fingerprint: string }>>;

async function datasetContext(ws: Workspace, id: string, cache?: DatasetContextCache) {
  const open = async () => {
    const entry = await getDataset(ws, id).catch((err: Error) => {
      throw new RunSetupError(err.message, 'dataset.id');
    });
    const index = await openDataset(entry.spec);
    return { entry, index, fingerprint: await fingerprintDataset(index) };
  };
  if (!cache) return open();
  let hit = cache.get(id);
  if (!hit) {
    hit = open();
    cache.set(id, hit);
  }
  return hit;
}

export async function resolveRunConfig(
  ws: Workspace,
  input: RunConfigInput | unknown,
  cache?: DatasetContextCache,
): Promise<{ resolved: ResolvedRunConfig; index: DatasetIndex }> {
  const config = runConfigSchema.parse(input);
  const { entry, index, fingerprint } = await datasetContext(ws, config.dataset.id, cache);
  const split = findSplit(index, config.dataset.split);
  const info = describeConfigModel(config, index.labels.length);
  const createdAt = new Date();
  const resolved: ResolvedRunConfig = {
    id: newRunId(config.name ?? `${config.loss.aux === 'none' ? 'ce' : config.loss.aux}-${config.model.name}`, createdAt),
    createdAt: createdAt.toISOString(),
    config: { ...config, dataset: { ...config.dataset, split: split.name } },
    codeVersion: codeVersion(),
    dataset: { id: entry.id, kind: index.kind, root: index.root, split: split.name, labels: index.labels, fingerprint },
    model: info,
  };
  return { resolved, index };
}

export interface RunParts {
  train: ClipRecord[];
  validation: ClipRecord[];
  test: ClipRecord[];
  /** The class-balanced pretraining subset (empty when no pretraining). */
  pretrain: ClipRecord[];
}

/**
 * Up to k clips per class from the training part (paper, optimisation 2), k defaulting to the rarest class's
 * count, drawn with the run's seed.
 */
export function balancedSubset(clips: readonly ClipRecord[], numClasses: number, maxPerClass: number | null, seed: number): ClipRecord[] {
  const byClass: ClipRecord[][] = Array.from({ length: numClasses }, () => []);
  for (const c of clips) byClass[c.label]!.push(c);
  const present = byClass.filter((b) => b.length > 0);
  if (present.length === 0) return [];
  const k = maxPerClass ?? Math.min(...present.map((b) => b.length));
  const out: ClipRecord[] = [];
  byClass.forEach((members, label) => {
    const order = shuffleInPlace([...members].sort((a, b) => a.id.localeCompare(b.id)), createRng(hashSeed('pretrain', seed, label)));
    out.push(...order.slice(0, k));
  });
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export function runParts(index: DatasetIndex, config: RunConfig, usableIds?: ReadonlySet<string>): RunParts {
  const split = findSplit(index, config.dataset.split);
  const byId = new Map(index.clips.map((c) => [c.id, c]));
  const pick = (ids: string[]) => ids.filter((id) => !usableIds || usableIds.has(id)).map((id) => byId.get(id)).filter((c): c is ClipRecord => !!c);
  let train = pick(split.train);
  const test = pick(split.test);
  let validation: ClipRecord[] = [];
  if (config.dataset.validationFraction > 0) {
    const hold = stratifiedHoldout(train, config.dataset.validationFraction, config.dataset.validationSeed, 'validation');
    const held = new Set(hold.test);
    validation = train.filter((c) => held.has(c.id));
    train = train.filter((c) => !held.has(c.id));
  }
  if (train.length === 0) throw new RunSetupError(`split '${split.name}' has no usable training clips`, 'dataset.split');
  if (test.length === 0) throw new RunSetupError(`split '${split.name}' has no usable test clips`, 'dataset.split');
  const pretrain = config.pretrain.epochs > 0 ? balancedSubset(train, index.labels.length, config.pretrain.maxPerClass, config.seed) : [];
  return { train, validation, test, pretrain };
}
