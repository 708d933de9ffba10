/**
 * A generic folder-per-class dataset, for data researchers assemble themselves. Decided layout:
 *
 *   <root>/<class>/<clip>/*.jpg          a clip is a folder of frames (id `<class>/<clip>`), and/or
 *   <root>/<class>/<clip>_0001.jpg ...   loose images in a class folder are image sequences grouped by
 *                                        name prefix: the name minus its trailing frame number and the
 *                                        separator before it (`anna_smile_0001.jpg` -> clip `anna_smile`;
 *                                        files named only by number form one clip named after the class).
 *   <root>/{train,test}/<class>/...      when both exist they are the split; otherwise a seeded stratified
 *                                        hold-out (`testFraction`, `seed`) is made.
 *
 * Labels are the class folders in natural order, unless the spec lists them (then other folders are
 * reported as unknown labels).
 */
import path from 'node:path';
import { listFolder, naturalCompare } from '../frame-files';
import { stratifiedHoldout } from '../holdout';
import { findLabel } from '../labels';
import type { FolderSpec } from '../../workspace/dataset-spec';
import type { DatasetIndex, DatasetSplit } from '../types';
import { IndexBuilder } from './index-builder';

/** Name minus extension, trailing frame number and the separator before it. */
export function sequencePrefix(fileName: string): string {
  const stem = fileName.replace(/\.[^.]+$/, '');
  const m = /^(.*?)[ _.-]*\d+$/.exec(stem);
  return m ? m[1] : stem;
}

interface FoundClip {
  id: string;
  className: string;
  frameDir?: string;
  framePaths?: string[];
}

async function scanClassFolders(base: string, idPrefix: string): Promise<{ base: string; classes: string[]; clips: FoundClip[] }> {
  const top = await listFolder(base);
  const clips: FoundClip[] = [];
  for (const className of top.folders) {
    const classDir = path.join(base, className);
    const inside = await listFolder(classDir);
    for (const sub of inside.folders) {
      clips.push({ id: `${idPrefix}${className}/${sub}`, className, frameDir: path.join(classDir, sub) });
    }
    const groups = new Map<string, string[]>();
    for (const file of inside.files) {
      const prefix = sequencePrefix(path.basename(file)) || className;
      const group = groups.get(prefix) ?? [];
      group.push(file);
      groups.set(prefix, group);
    }
    for (const [prefix, files] of groups) {
      // listFolder already sorted the files naturally; a folder clip of the same name would collide.
      const id = `${idPrefix}${className}/${prefix}`;
      clips.push({ id: inside.folders.includes(prefix) ? `${id}.seq` : id, className, framePaths: files });
    }
  }
  return { base, classes: top.folders, clips };
}

export async function openFolder(spec: FolderSpec): Promise<DatasetIndex> {
  const rootListing = await listFolder(spec.root);
  const lower = rootListing.folders.map((f) => f.toLowerCase());
  const trainName = rootListing.folders[lower.indexOf('train')];
  const testName = rootListing.folders[lower.indexOf('test')];
  const presplit = lower.includes('train') && lower.includes('test');

  const parts = presplit
    ? [
        { part: 'train' as const, ...(await scanClassFolders(path.join(spec.root, trainName), `${trainName}/`)) },
        { part: 'test' as const, ...(await scanClassFolders(path.join(spec.root, testName), `${testName}/`)) },
      ]
    : [{ part: 'all' as const, ...(await scanClassFolders(spec.root, '')) }];

  const discovered = [...new Set(parts.flatMap((p) => p.classes))].sort(naturalCompare);
  const labels = spec.labels ? [...spec.labels] : discovered;
  const b = new IndexBuilder('folder', spec.root, labels);
  if (rootListing.state !== 'ok') b.problem('error', 'missing-folder', `dataset folder ${spec.root} is ${rootListing.state}`, { file: spec.root });

  const partIds: Record<'train' | 'test' | 'all', string[]> = { train: [], test: [], all: [] };
  const declared: { id: string; label: number }[] = [];
  for (const p of parts) {
    for (const c of p.clips) {
      const label = findLabel(labels, c.className);
      if (label < 0) {
        b.problem('error', 'unknown-label', `clip ${c.id}: class folder "${c.className}" is not one of ${labels.join(', ')}`, {
          clipId: c.id,
          file: c.frameDir ?? path.dirname(c.framePaths?.[0] ?? spec.root),
        });
        continue;
      }
      b.declare({ id: c.id, label, frameDir: c.frameDir, framePaths: c.framePaths });
      partIds[p.part].push(c.id);
      declared.push({ id: c.id, label });
    }
  }

  const split: DatasetSplit = presplit
    ? { name: 'train-test', train: partIds.train, test: partIds.test }
    : stratifiedHoldout(declared, spec.testFraction, spec.seed);
  const index = await b.build([split]);

  // Said out loud: a root with no class folders, and class folders holding no clip with frames (both make
  // `datasets add` refuse the root; the check reports a dataset with no clips as an error).
  const layout = `expected ${path.join(spec.root, '<class>', '<clip>', '*.jpg')} or ${path.join(spec.root, '<class>', '<name>_<n>.jpg')}`;
  if (rootListing.state === 'ok' && discovered.length === 0) {
    index.problems.push({ severity: 'error', code: 'no-clips', message: `folder dataset at ${spec.root} has no class folders (${layout})`, file: spec.root });
  }
  const withFrames = new Set(index.clips.filter((c) => c.framePaths.length > 0).map((c) => c.label));
  const classDirs = parts.flatMap((p) => p.classes.map((c) => ({ className: c, dir: path.join(p.base, c) })));
  for (const className of discovered) {
    const label = findLabel(labels, className);
    if (label < 0 || withFrames.has(label)) continue; // an unknown class is reported per clip already
    const dirs = classDirs.filter((c) => c.className === className).map((c) => c.dir);
    index.problems.push({
      severity: 'warning',
      code: 'empty-class',
      message: `class folder ${dirs.join(' and ')} holds no clips with frames (${layout})`,
      file: dirs[0],
    });
  }
  return index;
}
