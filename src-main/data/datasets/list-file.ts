/**
 * Former-DFER / IAL list files: one clip per line, `path num_frames label`, space-separated, 0-based
 * labels, a train list and a test list. Paths are resolved against the dataset root. Lists written on
 * another machine often carry that machine's absolute paths: when such a folder does not exist here but
 * `<root>/<its last name>` does, that is used and the report says so.
 * The frame count is kept as `claimedFrames`; the check compares it with the folder (wrong counts are a
 * known source of irreproducible results).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DFEW_LABELS } from '../labels';
import { insideRoot, type ListFileSpec } from '../../workspace/dataset-spec';
import { splitWhitespace } from '../text-files';
import type { DatasetIndex } from '../types';
import { IndexBuilder } from './index-builder';

export async function openListFile(spec: ListFileSpec): Promise<DatasetIndex> {
  const labels = spec.labels ? [...spec.labels] : [...DFEW_LABELS];
  const b = new IndexBuilder('list-file', spec.root, labels);
  const dirExists = memoisedDirExists();

  const readList = async (file: string): Promise<string[]> => {
    const lines = await b.readLines(file);
    if (!lines) return [];
    const ids: string[] = [];
    const seen = new Set<string>();
    let remapped = 0;
    for (const line of lines) {
      const cells = splitWhitespace(line.text);
      // Parsed from the right so a path with spaces survives.
      const rawLabel = cells[cells.length - 1];
      const rawCount = cells[cells.length - 2];
      const rawPath = cells.slice(0, -2).join(' ');
      const count = Number(rawCount);
      const label = Number(rawLabel);
      if (cells.length < 3 || !Number.isInteger(count) || count < 0) {
        b.problem('error', 'malformed-line', `${path.basename(file)} line ${line.number}: expected "path num_frames label", got "${line.text}"`, {
          file,
          line: line.number,
        });
        continue;
      }
      const { dir, id, wasRemapped } = await resolveClipPath(spec.root, rawPath, dirExists);
      if (wasRemapped) remapped++;
      if (!Number.isInteger(label) || label < 0 || label >= labels.length) {
        b.problem('error', 'unknown-label', `clip ${id}: label "${rawLabel}" is not a 0-based id below ${labels.length}`, {
          clipId: id,
          file,
          line: line.number,
        });
        continue;
      }
      if (!b.listOnce(seen, ids, id, file, line.number)) continue;
      b.declare({ id, label, frameDir: dir, claimedFrames: count, source: { file, line: line.number } });
    }
    if (remapped > 0) {
      b.problem('warning', 'layout-quirk', `${path.basename(file)}: ${remapped} absolute path(s) from another machine were found under ${spec.root} instead`, {
        file,
      });
    }
    return ids;
  };

  const train = await readList(insideRoot(spec.root, spec.trainList));
  const test = await readList(insideRoot(spec.root, spec.testList));
  return b.build([{ name: spec.splitName, ...(spec.fold ? { fold: spec.fold } : {}), train, test }]);
}

async function resolveClipPath(
  root: string,
  rawPath: string,
  dirExists: (dir: string) => Promise<boolean>,
): Promise<{ dir: string; id: string; wasRemapped: boolean }> {
  const cleaned = rawPath.replace(/\\/g, '/').replace(/\/+$/, '');
  let dir = path.isAbsolute(cleaned) ? path.normalize(cleaned) : path.resolve(root, cleaned);
  let wasRemapped = false;
  if (path.isAbsolute(cleaned) && !(await dirExists(dir))) {
    const local = path.join(root, path.basename(dir));
    if (await dirExists(local)) {
      dir = local;
      wasRemapped = true;
    }
  }
  const rel = path.relative(root, dir);
  const inside = rel && !rel.startsWith('..') && !path.isAbsolute(rel);
  return { dir, id: inside ? rel.split(path.sep).join('/') : dir, wasRemapped };
}

function memoisedDirExists(): (dir: string) => Promise<boolean> {
  const known = new Map<string, Promise<boolean>>();
  return (dir) => {
    let hit = known.get(dir);
    if (!hit) {
      hit = fs.stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      known.set(dir, hit);
    }
    return hit;
  };
}
