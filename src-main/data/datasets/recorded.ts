/**
 * The clips recorded in the workbench (format in ../../workspace/clip-store.ts), read as a dataset whose root is the
 * workspace's `clips/` folder. Labels default to DFEW's names, so models trained on DFEW (or the
 * synthetic set) can be tested on them directly.
 */
import { promises as fs } from 'node:fs';
import { listFolder } from '../frame-files';
import { stratifiedHoldout } from '../holdout';
import { DFEW_LABELS, findLabel } from '../labels';
import { RecordedClipMetaSchema, recordedClipPaths } from '../../workspace/clip-store';
import type { RecordedSpec } from '../../workspace/dataset-spec';
import type { DatasetIndex } from '../types';
import { IndexBuilder } from './index-builder';

export async function openRecorded(spec: RecordedSpec): Promise<DatasetIndex> {
  const labels = spec.labels ? [...spec.labels] : [...DFEW_LABELS];
  const b = new IndexBuilder('recorded', spec.root, labels);
  const listing = await listFolder(spec.root);
  // No clips folder yet simply means nothing was recorded.
  const declared: { id: string; label: number }[] = [];
  for (const folder of listing.folders) {
    const paths = recordedClipPaths(spec.root, folder);
    let raw: string;
    try {
      raw = await fs.readFile(paths.metaFile, 'utf8');
    } catch {
      b.problem('warning', 'missing-file', `clip ${folder}: no meta.json (an interrupted recording?); left out`, { clipId: folder, file: paths.metaFile });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.replace(/^\uFEFF/, ''));
    } catch (err) {
      b.problem('error', 'unreadable-file', `clip ${folder}: meta.json is not JSON (${(err as Error).message})`, { clipId: folder, file: paths.metaFile });
      continue;
    }
    const meta = RecordedClipMetaSchema.safeParse(json);
    if (!meta.success) {
      const detail = meta.error.issues.map((i) => `${i.path.join('.') || '(meta)'}: ${i.message}`).join('; ');
      b.problem('error', 'unreadable-file', `clip ${folder}: meta.json is invalid: ${detail}`, { clipId: folder, file: paths.metaFile });
      continue;
    }
    if (meta.data.id !== folder) {
      b.problem('warning', 'layout-quirk', `clip folder ${folder} has meta id "${meta.data.id}"; the folder name is used`, {
        clipId: folder,
        file: paths.metaFile,
      });
    }
    const label = findLabel(labels, meta.data.label);
    if (label < 0) {
      b.problem('error', 'unknown-label', `clip ${folder}: label "${meta.data.label}" is not one of ${labels.join(', ')}`, {
        clipId: folder,
        file: paths.metaFile,
      });
      continue;
    }
    b.declare({
      id: folder,
      label,
      frameDir: paths.framesDir,
      claimedFrames: meta.data.frameCount,
      intensityBin: meta.data.intensity,
      source: { file: paths.metaFile },
    });
    declared.push({ id: folder, label });
  }
  return b.build([stratifiedHoldout(declared, spec.testFraction, spec.seed, 'recorded')]);
}

