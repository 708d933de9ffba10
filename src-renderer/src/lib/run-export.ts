/**
 * Export of a run's records as one ZIP download: config.json, status.json, meta.json, metrics.jsonl,
 * eval/*.json and predictions/*.json as the workspace holds them (runs:export), plus a note of what was
 * left out (the checkpoint's model weights).
 */
import { api } from './api';
import { download } from './export';
import { buildZip } from './zip';

export async function downloadRunRecords(id: string): Promise<{ files: number; omitted: number }> {
  const exported = await api['runs:export']({ id });
  const note = [
    `Records of run ${exported.id}, exported ${new Date().toISOString()} from DFER Workbench.`,
    'Layout as in the workspace: runs/<id>/config.json, status.json, meta.json, metrics.jsonl (one JSON object per epoch),',
    'eval/epoch-NNN.json (confusion matrix, per-class and per-intensity recall), predictions/<split>.json (per-clip probabilities).',
    '',
    exported.omitted.length ? 'Left out:' : 'Nothing was left out.',
    ...exported.omitted.map((o) => `  ${o.path}: ${o.reason}`),
    '',
  ].join('\n');
  const zip = buildZip([
    ...exported.files.map((f) => ({ name: `${exported.id}/${f.path}`, data: f.text })),
    { name: `${exported.id}/EXPORT.txt`, data: note },
  ]);
  download(new Blob([zip], { type: 'application/zip' }), `${exported.id}.zip`);
  return { files: exported.files.length, omitted: exported.omitted.length };
}
