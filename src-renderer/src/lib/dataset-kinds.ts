/** What the Datasets view says about each dataset kind: its name and the layout it expects on disk. */
import type { DatasetEntry } from '../../../src-main/api/contract';

export type DatasetKind = DatasetEntry['kind'];

export const KIND_INFO: Record<DatasetKind, { label: string; layout: string[] }> = {
  dfew: {
    label: 'DFEW',
    layout: ['Clip/clip_224x224/<00001>/*.jpg (found automatically, also double-nested)', 'EmoLabel_DataSplit/{train,test}(single-labeled)/set_{1..5}.csv'],
  },
  ferv39k: {
    label: 'FERV39k',
    layout: ['2_ClipsforFaceCrop/<Scene>/<Emotion>/<id>/*.jpg', '4_setups/All_scenes/{train_All,test_All}.csv'],
  },
  mafw: {
    label: 'MAFW',
    layout: ['data/faces/<clip>/*.jpg', 'split/single/no_caption/set_{1..5}/{train,test}.txt'],
  },
  'list-file': {
    label: 'List file',
    layout: ['one clip per line: <frame folder> <num_frames> <label>', '0-based labels, DFEW order unless you name them'],
  },
  folder: {
    label: 'Folder per class',
    layout: ['<class>/<clip>/*.jpg, or train/<class>/… and test/<class>/…', 'without train/test: a seeded, stratified hold-out'],
  },
  recorded: {
    label: 'Recorded clips',
    layout: ["the workspace's clips/ folder"],
  },
};

/** Kinds a user registers from the Datasets view (recorded clips come from the Clips area). */
export const ADDABLE_KINDS: DatasetKind[] = ['dfew', 'ferv39k', 'mafw', 'list-file', 'folder'];

export function kindLabel(kind: string): string {
  return (KIND_INFO as Record<string, { label: string }>)[kind]?.label ?? kind;
}
