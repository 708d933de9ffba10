/**
 * DFEW as distributed: frames in `Clip/clip_224x224/<5-digit id>/*.jpg`, five folds in
 * `EmoLabel_DataSplit/{train,test}(single-labeled)/set_{1..5}.csv` (`video_name,label`, labels 1..7).
 * Accepted quirks: the frames unzipped one level deeper (`clip_224x224/clip_224x224/`), ids without zero
 * padding, CRLF and BOMs. The synthetic generator writes this layout plus an `intensity.csv` sidecar.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listFolder } from '../frame-files';
import { DFEW_LABELS } from '../labels';
import { insideRoot, type DfewSpec } from '../../workspace/dataset-spec';
import { readCsvRows } from '../text-files';
import { INTENSITY_BIN_NAMES, type DatasetIndex, type DatasetSplit, type IntensityBin } from '../types';
import { IndexBuilder, numericFolderLookup, stripVideoExtension } from './index-builder';

export const DFEW_FOLDS = 5;

/** Frame roots tried in order when the spec does not name one; the deeper ones are unzip accidents. */
const FRAME_ROOT_CANDIDATES = ['Clip/clip_224x224', 'Clip/clip_224x224/clip_224x224', 'clip_224x224', 'clip_224x224/clip_224x224', 'Clip'];

export async function openDfew(spec: DfewSpec): Promise<DatasetIndex> {
  const b = new IndexBuilder('dfew', spec.root, [...DFEW_LABELS]);
  const framesRoot = await findFramesRoot(spec, b);
  const folders = framesRoot ? (await listFolder(framesRoot)).folders : [];
  const folderOf = numericFolderLookup(folders);
  const intensities = await readIntensitySidecar(insideRoot(spec.root, spec.intensityFile), b);

  const splitRoot = insideRoot(spec.root, spec.splitDir);
  const splitListing = await listFolder(splitRoot);
  // `train(single-labeled)` as distributed; any folder starting with train/test is accepted.
  const pick = (prefix: string) =>
    splitListing.folders.find((f) => f.toLowerCase().startsWith(prefix) && f.toLowerCase().includes('single')) ??
    splitListing.folders.find((f) => f.toLowerCase().startsWith(prefix));
  const trainDir = pick('train');
  const testDir = pick('test');
  if (!trainDir || !testDir) {
    b.problem('error', 'missing-file', `DFEW split folders not found: expected ${splitRoot}/train(single-labeled) and test(single-labeled)`, {
      file: splitRoot,
    });
  }

  const splits: DatasetSplit[] = [];
  if (trainDir && testDir) {
    for (let fold = 1; fold <= DFEW_FOLDS; fold++) {
      const train = await readSplitCsv(path.join(splitRoot, trainDir, `set_${fold}.csv`), b, framesRoot, folderOf, intensities);
      const test = await readSplitCsv(path.join(splitRoot, testDir, `set_${fold}.csv`), b, framesRoot, folderOf, intensities);
      if (train || test) splits.push({ name: `set_${fold}`, fold, train: train ?? [], test: test ?? [] });
    }
  }
  return b.build(splits);
}

async function findFramesRoot(spec: DfewSpec, b: IndexBuilder): Promise<string | undefined> {
  const candidates = spec.framesDir ? [spec.framesDir] : FRAME_ROOT_CANDIDATES;
  for (const rel of candidates) {
    const dir = insideRoot(spec.root, rel);
    const listing = await listFolder(dir);
    // The right level is the one whose subfolders are clip ids.
    if (listing.state === 'ok' && listing.folders.some((f) => /^\d+$/.test(f))) {
      if (!spec.framesDir && rel !== FRAME_ROOT_CANDIDATES[0]) {
        b.problem('warning', 'layout-quirk', `DFEW frames found at ${rel}/ instead of Clip/clip_224x224/: using it`, { file: dir });
      }
      return dir;
    }
  }
  b.problem('error', 'missing-folder', `no DFEW frame folder with numbered clip folders under ${spec.root} (tried ${candidates.join(', ')})`, {
    file: spec.root,
  });
  return undefined;
}

/** Reads one `set_N.csv`; returns the clip ids it lists (undefined when the file is absent). */
async function readSplitCsv(
  file: string,
  b: IndexBuilder,
  framesRoot: string | undefined,
  folderOf: (id: string) => string | undefined,
  intensities: Map<string, { intensity: number; bin: IntensityBin }>,
): Promise<string[] | undefined> {
  const read = await readCsvRows(file);
  if (!read.ok) {
    b.problem('error', read.reason === 'missing' ? 'missing-file' : 'unreadable-file', read.message, { file });
    return undefined;
  }
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const line of read.rows) {
    const [rawName, rawLabel] = line.cells;
    if (line === read.rows[0] && !/^\d+$/.test(rawLabel ?? '')) continue; // the `video_name,label` header
    if (!rawName || rawLabel === undefined || rawLabel === '') {
      b.problem('error', 'malformed-line', `${path.basename(file)} line ${line.number}: expected "video_name,label", got "${line.text}"`, {
        file,
        line: line.number,
      });
      continue;
    }
    const name = stripVideoExtension(rawName);
    const folder = folderOf(name);
    const id = folder ?? (/^\d+$/.test(name) ? name.padStart(5, '0') : name);
    const labelNumber = Number(rawLabel);
    if (!Number.isInteger(labelNumber) || labelNumber < 1 || labelNumber > DFEW_LABELS.length) {
      b.problem('error', 'unknown-label', `clip ${id}: label "${rawLabel}" is not a DFEW label (1..7)`, { clipId: id, file, line: line.number });
      continue;
    }
    if (!b.listOnce(seen, ids, id, file, line.number)) continue;
    const sidecar = intensities.get(id);
    b.declare({
      id,
      label: labelNumber - 1,
      frameDir: framesRoot ? path.join(framesRoot, folder ?? id) : undefined,
      intensity: sidecar?.intensity,
      intensityBin: sidecar?.bin,
      source: { file, line: line.number },
    });
  }
  return ids;
}

/** Thirds of (0, 1], the same bins the synthetic generator uses. */
export function intensityBinOf(intensity: number): IntensityBin {
  return intensity <= 1 / 3 ? 'low' : intensity <= 2 / 3 ? 'mid' : 'high';
}

/** `video_name,intensity,bin` -> map by padded id. Absent file is normal (real DFEW has none). */
async function readIntensitySidecar(file: string, b: IndexBuilder): Promise<Map<string, { intensity: number; bin: IntensityBin }>> {
  const out = new Map<string, { intensity: number; bin: IntensityBin }>();
  const exists = await fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) return out;
  const read = await readCsvRows(file);
  if (!read.ok) {
    b.problem('warning', 'unreadable-file', read.message, { file });
    return out;
  }
  for (const line of read.rows) {
    const [rawName, rawIntensity, rawBin] = line.cells;
    if (line === read.rows[0] && Number.isNaN(Number(rawIntensity))) continue; // header
    const name = stripVideoExtension(rawName ?? '');
    const id = /^\d+$/.test(name) ? name.padStart(5, '0') : name;
    const intensity = Number(rawIntensity);
    if (!name || !(intensity > 0 && intensity <= 1)) {
      b.problem('warning', 'bad-intensity', `${path.basename(file)} line ${line.number}: intensity must be in (0, 1], got "${rawIntensity ?? ''}"`, {
        clipId: id || undefined,
        file,
        line: line.number,
      });
      continue;
    }
    let bin = intensityBinOf(intensity);
    if (rawBin) {
      if ((INTENSITY_BIN_NAMES as readonly string[]).includes(rawBin.toLowerCase())) bin = rawBin.toLowerCase() as IntensityBin;
      else
        b.problem('warning', 'bad-intensity', `${path.basename(file)} line ${line.number}: bin "${rawBin}" is not low|mid|high; derived ${bin}`, {
          clipId: id,
          file,
          line: line.number,
        });
    }
    out.set(id, { intensity, bin });
  }
  return out;
}
