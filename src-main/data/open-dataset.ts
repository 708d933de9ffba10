/**
 * One entry point from a dataset spec to a `DatasetIndex`, whatever the layout. An invalid spec throws a
 * `DatasetSpecError` naming the fields; everything wrong on disk comes back as `index.problems`.
 */
import { promises as fs } from 'node:fs';
import { openDfew } from './datasets/dfew';
import { openFerv39k } from './datasets/ferv39k';
import { openFolder } from './datasets/folder';
import { openListFile } from './datasets/list-file';
import { openMafw } from './datasets/mafw';
import { openRecorded } from './datasets/recorded';
import { parseDatasetSpec, type DatasetSpec, type DatasetSpecInput } from '../workspace/dataset-spec';
import type { DatasetIndex } from './types';

export async function openDataset(input: DatasetSpecInput | unknown): Promise<DatasetIndex> {
  const spec = parseDatasetSpec(input);
  const rootState = await fs.stat(spec.root).then(
    (s) => (s.isDirectory() ? 'ok' : 'not a folder'),
    () => 'missing',
  );
  // An empty recordings folder is normal before the first recording; a missing dataset root is not.
  if (rootState !== 'ok' && !(spec.kind === 'recorded' && rootState === 'missing')) {
    return {
      kind: spec.kind,
      root: spec.root,
      labels: [],
      clips: [],
      splits: [],
      problems: [{ severity: 'error', code: 'missing-folder', message: `dataset root ${spec.root} is ${rootState}`, file: spec.root }],
    };
  }
  return openBySpec(spec);
}

function openBySpec(spec: DatasetSpec): Promise<DatasetIndex> {
  switch (spec.kind) {
    case 'dfew':
      return openDfew(spec);
    case 'ferv39k':
      return openFerv39k(spec);
    case 'mafw':
      return openMafw(spec);
    case 'list-file':
      return openListFile(spec);
    case 'folder':
      return openFolder(spec);
    case 'recorded':
      return openRecorded(spec);
  }
}
