/**
 * Export of a run's records as one ZIP download: config.json, status.json, meta.json, metrics.jsonl,
 * eval/*.json and predictions/*.json as the workspace holds them, plus EXPORT.txt naming what was left out
 * (the checkpoint's model weights). The main side writes the archive as a stream (services/run-export.ts);
 * the page only follows the link `runs:export` returns, so no record passes through the renderer.
 */
import { api } from './api';

export async function downloadRunRecords(id: string): Promise<{ files: number; omitted: number }> {
  const exported = await api['runs:export']({ id });
  const a = document.createElement('a');
  a.href = exported.download;
  a.download = `${exported.id}.zip`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  return { files: exported.files.length, omitted: exported.omitted.length };
}
