/**
 * MAFW single-expression set: 11 classes by name, five folds in
 * `split/single/no_caption/set_{1..5}/{train,test}.txt` with lines `03747.mp4 anger`, face frames in
 * `data/faces/<id>/`. The clip id is the video name without its extension.
 */
import path from 'node:path';
import { listFolder } from '../frame-files';
import { MAFW_LABELS, findLabel } from '../labels';
import { insideRoot, type MafwSpec } from '../../workspace/dataset-spec';
import { splitWhitespace } from '../text-files';
import type { DatasetIndex, DatasetSplit } from '../types';
import { IndexBuilder, numericFolderLookup, stripVideoExtension } from './index-builder';

export const MAFW_FOLDS = 5;

export async function openMafw(spec: MafwSpec): Promise<DatasetIndex> {
  const labels = [...MAFW_LABELS];
  const b = new IndexBuilder('mafw', spec.root, labels);
  const framesRoot = insideRoot(spec.root, spec.framesDir);
  const framesListing = await listFolder(framesRoot);
  if (framesListing.state !== 'ok') b.problem('error', 'missing-folder', `MAFW frames folder ${framesRoot} is ${framesListing.state}`, { file: framesRoot });
  const folderOf = numericFolderLookup(framesListing.folders);
  const splitRoot = insideRoot(spec.root, spec.splitDir);

  const readList = async (file: string): Promise<string[] | undefined> => {
    const lines = await b.readLines(file);
    if (!lines) return undefined;
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const line of lines) {
      const cells = splitWhitespace(line.text);
      if (cells.length !== 2) {
        b.problem('error', 'malformed-line', `${path.basename(file)} line ${line.number}: expected "03747.mp4 anger", got "${line.text}"`, {
          file,
          line: line.number,
        });
        continue;
      }
      const name = stripVideoExtension(cells[0]);
      const id = folderOf(name) ?? name;
      const label = findLabel(labels, cells[1]);
      if (label < 0) {
        b.problem('error', 'unknown-label', `clip ${id}: label "${cells[1]}" is not one of the 11 MAFW classes`, { clipId: id, file, line: line.number });
        continue;
      }
      if (!b.listOnce(seen, ids, id, file, line.number)) continue;
      b.declare({ id, label, frameDir: path.join(framesRoot, id), source: { file, line: line.number } });
    }
    return ids;
  };

  const splits: DatasetSplit[] = [];
  for (let fold = 1; fold <= MAFW_FOLDS; fold++) {
    const train = await readList(path.join(splitRoot, `set_${fold}`, 'train.txt'));
    const test = await readList(path.join(splitRoot, `set_${fold}`, 'test.txt'));
    if (train || test) splits.push({ name: `set_${fold}`, fold, train: train ?? [], test: test ?? [] });
  }
  return b.build(splits);
}
