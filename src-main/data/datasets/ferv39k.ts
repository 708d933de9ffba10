/**
 * FERV39k: frames in `2_ClipsforFaceCrop/<Scene>/<Emotion>/<id>/*.jpg`; one fixed split in
 * `4_setups/All_scenes/{train_All,test_All}.csv`, space-separated, no header: `Action/Sad/0010 Sad`.
 * The clip id is the relative clip path (`Action/Sad/0010`); labels are matched by name.
 */
import path from 'node:path';
import { FERV39K_LABELS, findLabel } from '../labels';
import { insideRoot, type Ferv39kSpec } from '../../workspace/dataset-spec';
import { splitWhitespace } from '../text-files';
import type { DatasetIndex } from '../types';
import { IndexBuilder } from './index-builder';

export async function openFerv39k(spec: Ferv39kSpec): Promise<DatasetIndex> {
  const labels = [...FERV39K_LABELS];
  const b = new IndexBuilder('ferv39k', spec.root, labels);
  const framesRoot = insideRoot(spec.root, spec.framesDir);
  const setupRoot = insideRoot(spec.root, spec.setupDir);

  const readSetup = async (file: string): Promise<string[]> => {
    const lines = await b.readLines(file);
    if (!lines) return [];
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const line of lines) {
      const cells = splitWhitespace(line.text);
      if (cells.length < 2) {
        b.problem('error', 'malformed-line', `${path.basename(file)} line ${line.number}: expected "Scene/Emotion/id Emotion", got "${line.text}"`, {
          file,
          line: line.number,
        });
        continue;
      }
      const labelName = cells[cells.length - 1];
      // Normalise separators so ids are the same on every platform.
      const id = cells.slice(0, -1).join(' ').replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
      if (id.split('/').includes('..')) {
        b.problem('error', 'malformed-line', `${path.basename(file)} line ${line.number}: clip path "${id}" leaves the frames folder`, {
          file,
          line: line.number,
        });
        continue;
      }
      const label = findLabel(labels, labelName);
      if (label < 0) {
        b.problem('error', 'unknown-label', `clip ${id}: label "${labelName}" is not one of ${labels.join(', ')}`, { clipId: id, file, line: line.number });
        continue;
      }
      if (!b.listOnce(seen, ids, id, file, line.number)) continue;
      b.declare({ id, label, frameDir: path.join(framesRoot, ...id.split('/')), source: { file, line: line.number } });
    }
    return ids;
  };

  const train = await readSetup(path.join(setupRoot, 'train_All.csv'));
  const test = await readSetup(path.join(setupRoot, 'test_All.csv'));
  return b.build([{ name: path.basename(setupRoot), train, test }]);
}
