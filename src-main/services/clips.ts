/**
 * The clip service: what the app and the CLI do with recorded clips on top of the clip store
 * (workspace/clip-store.ts, which owns the format, the listing and reading, and every write): validate
 * frames by decoding them, check labels against the clips' label map, summarise clips for the Clips view,
 * return a frame or the video as the API does, and resolve clips to predict on through the `recorded-clips`
 * dataset.
 *
 * A clip appears whole or not at all: the store writes it into a hidden staging folder beside the others
 * (`clips/.saving-*`, skipped by every listing) and renames it into place, so a failure at any point leaves
 * nothing behind, and a reader never sees a clip whose frames are still being written.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { ClipFrame, ClipSummary, IntensityName } from '../api/types';
import { openRecorded } from '../data/datasets/recorded';
import { imageDimensions } from '../data/frames';
import { inspectImageBytes } from '../data/frame-integrity';
import { DFEW_LABELS, findLabel } from '../data/labels';
import {
  clipHasVideo,
  ClipStoreError,
  commitClip,
  listClipIds,
  readClipFrameBytes,
  readClipMeta,
  readClipVideoBytes,
  readFrameFile,
  recordedClipPaths,
  updateClipMeta,
  type RecordedClipMeta,
} from '../workspace/clip-store';
import { RecordedSpecSchema, type RecordedSpec } from '../workspace/dataset-spec';
import type { ClipRecord } from '../data/types';
import { readRegistry, registerDataset } from '../workspace/dataset-store';
import { WorkspaceFileError } from '../workspace/read-json';
import type { Workspace } from '../workspace/workspace';
// The one rule for flagging a clip, shared with the Clips view (a pure module without DOM or Node).
import { faceMissingInMost } from '../../src-shared/face-crop';

/** The id under which the workspace's clips are registered as a dataset (kind `recorded`). */
export const RECORDED_DATASET_ID = 'recorded-clips';

/** The spec the clips are read with: the registered one (it may carry its own label map), else the default. */
export async function recordedSpec(ws: Workspace): Promise<RecordedSpec> {
  const registered = (await readRegistry(ws)).find((d) => d.id === RECORDED_DATASET_ID && d.spec.kind === 'recorded' && d.spec.root === ws.clips);
  if (registered && registered.spec.kind === 'recorded') return registered.spec;
  return RecordedSpecSchema.parse({ kind: 'recorded', root: ws.clips, name: 'Recorded clips' });
}

/** The clips' label map, as the recorded adapter reads it: the spec's own, else DFEW's. */
function labelsOf(spec: RecordedSpec): string[] {
  return spec.labels ? [...spec.labels] : [...DFEW_LABELS];
}

/** Registers the workspace's clips as the dataset `recorded-clips`, so any run can be evaluated on them. */
export async function ensureRecordedDataset(ws: Workspace): Promise<void> {
  if ((await readRegistry(ws)).some((d) => d.id === RECORDED_DATASET_ID)) return;
  // Decided again under the registry's lock: another process may have registered it meanwhile.
  await registerDataset(ws, await recordedSpec(ws), { id: RECORDED_DATASET_ID, builtin: true, keepExisting: true });
}

/**
 * The clips with these ids, in this order, with the label map they are labelled in. A clip that does not
 * exist, or that the recorded adapter cannot use (bad meta.json, unknown label), is an error naming it.
 */
export async function resolveRecordedClips(ws: Workspace, ids: readonly string[]): Promise<{ clips: ClipRecord[]; labels: string[] }> {
  const index = await openRecorded(await recordedSpec(ws));
  const byId = new Map(index.clips.map((c) => [c.id, c]));
  const clips = ids.map((id, i) => {
    const clip = byId.get(id);
    if (clip) return clip;
    const problem = index.problems.find((p) => p.clipId === id);
    if (problem) throw new ClipStoreError('invalid', `clips.${i}`, `clip ${id} cannot be used: ${problem.message}`);
    throw new ClipStoreError('not-found', `clips.${i}`, `no recorded clip '${id}'`);
  });
  return { clips, labels: index.labels };
}

// ------------------------------------------------------------------------------------------------ reading

function faceFrames(meta: RecordedClipMeta): number {
  return new Set(meta.faceBoxes.map((b) => b.frame)).size;
}

async function summarise(ws: Workspace, meta: RecordedClipMeta, id: string, labels: readonly string[]): Promise<ClipSummary> {
  const first = await readFrameFile(ws, id, 1);
  const dims = first ? imageDimensions(first) : undefined;
  const found = faceFrames(meta);
  const problem = findLabel(labels, meta.label) < 0 ? `label "${meta.label}" is not one of ${labels.join(', ')}` : undefined;
  return {
    id,
    label: meta.label,
    intensity: meta.intensity,
    ...(meta.subject ? { subject: meta.subject } : {}),
    notes: meta.notes,
    fps: meta.fps,
    createdAt: meta.createdAt,
    source: meta.source,
    frameCount: meta.frameCount,
    faceFrames: found,
    flagged: found === 0 || faceMissingInMost(found, meta.frameCount),
    hasVideo: clipHasVideo(ws, id),
    width: dims?.width ?? 0,
    height: dims?.height ?? 0,
    ...(problem ? { problem } : {}),
  };
}

/**
 * A clip whose meta.json cannot be used: listed with the reason (so it can be seen and deleted), its other
 * fields placeholders; dated by its folder.
 */
async function unreadableSummary(ws: Workspace, id: string, reason: string): Promise<ClipSummary> {
  const dir = recordedClipPaths(ws.clips, id).dir;
  const changed = await fs.stat(dir).then((s) => s.mtime.toISOString()).catch(() => new Date(0).toISOString());
  return {
    id,
    label: '',
    intensity: 'mid',
    notes: '',
    fps: 0,
    createdAt: changed,
    source: 'frames',
    frameCount: 0,
    faceFrames: 0,
    flagged: false,
    hasVideo: clipHasVideo(ws, id),
    width: 0,
    height: 0,
    problem: reason,
    unreadable: reason,
  };
}

/**
 * Every complete clip, newest first. A clip whose meta.json is damaged is listed with `unreadable` (the
 * file and what is wrong), not left out and not fatal to the list; one deleted meanwhile is left out.
 */
export async function listClips(ws: Workspace): Promise<ClipSummary[]> {
  const labelMap = labelsOf(await recordedSpec(ws));
  const out: ClipSummary[] = [];
  for (const id of await listClipIds(ws)) {
    try {
      out.push(await summarise(ws, await readClipMeta(ws, id), id, labelMap));
    } catch (err) {
      if (err instanceof WorkspaceFileError) out.push(await unreadableSummary(ws, id, err.message));
      else if (!(err instanceof ClipStoreError && err.code === 'not-found')) throw err;
    }
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

export async function readClipFrame(ws: Workspace, id: string, frame: number): Promise<ClipFrame> {
  const { meta, bytes } = await readClipFrameBytes(ws, id, frame);
  const dims = imageDimensions(bytes);
  return { id, frame, frameCount: meta.frameCount, mime: 'image/jpeg', base64: bytes.toString('base64'), width: dims?.width ?? 0, height: dims?.height ?? 0 };
}

/** The original recording (clip.webm), or null when the clip has none. */
export async function readClipVideo(ws: Workspace, id: string): Promise<{ id: string; mime: 'video/webm'; base64: string } | null> {
  const bytes = await readClipVideoBytes(ws, id);
  return bytes ? { id, mime: 'video/webm', base64: bytes.toString('base64') } : null;
}

// ------------------------------------------------------------------------------------------------ writing

export interface SaveClipInput {
  id?: string;
  label: string;
  intensity: IntensityName;
  subject?: string;
  notes?: string;
  fps: number;
  source: 'camera' | 'video' | 'frames';
  /** The face crops, JPEG bytes, in time order. */
  frames: Uint8Array[];
  /** The original recording, WebM bytes. */
  webm?: Uint8Array;
  /** Detector boxes in the source video's pixels, for the frames where a face was found (1-based frame). */
  faceBoxes?: { frame: number; x: number; y: number; width: number; height: number; score?: number }[];
}

/** Each frame must be a whole JPEG that decodes, all of one size; the error names the first bad frame. */
export async function validateJpegFrames(frames: readonly Uint8Array[], field = 'frames'): Promise<{ width: number; height: number }> {
  let size: { width: number; height: number } | undefined;
  for (const [i, bytes] of frames.entries()) {
    const where = `${field}.${i}`;
    if (!(bytes[0] === 0xff && bytes[1] === 0xd8)) throw new ClipStoreError('invalid', where, `frame ${i} is not a JPEG (no FFD8 start marker)`);
    const markers = inspectImageBytes(bytes);
    if (markers) throw new ClipStoreError('invalid', where, `frame ${i}: ${markers.message}`);
    let info: { width: number; height: number };
    try {
      ({ info } = await sharp(bytes, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true }));
    } catch (err) {
      throw new ClipStoreError('invalid', where, `frame ${i} does not decode as a JPEG: ${(err as Error).message}`);
    }
    if (!size) size = { width: info.width, height: info.height };
    else if (info.width !== size.width || info.height !== size.height) {
      throw new ClipStoreError('invalid', where, `frame ${i} is ${info.width}x${info.height}, frame 0 is ${size.width}x${size.height}: a clip's crops share one size`);
    }
  }
  if (!size) throw new ClipStoreError('invalid', field, 'a clip needs at least one frame');
  return size;
}

/** A sortable, unique id from the time; the label is not in it, since it can be edited later. */
function newClipId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The label as the clips' label map spells it; an unknown one is an error naming `label`. */
export async function canonicalLabel(ws: Workspace, label: string): Promise<string> {
  const labels = labelsOf(await recordedSpec(ws));
  const index = findLabel(labels, label);
  if (index < 0) throw new ClipStoreError('invalid', 'label', `'${label}' is not one of the recorded clips' labels: ${labels.join(', ')}`);
  return labels[index]!;
}

/** Validates and writes a whole clip; it appears in `clips/` complete or not at all. */
export async function saveClip(ws: Workspace, input: SaveClipInput): Promise<ClipSummary> {
  const label = await canonicalLabel(ws, input.label);
  await validateJpegFrames(input.frames);
  if (input.webm && !(input.webm[0] === 0x1a && input.webm[1] === 0x45 && input.webm[2] === 0xdf && input.webm[3] === 0xa3)) {
    throw new ClipStoreError('invalid', 'webm', 'not a WebM recording (no EBML header)');
  }
  for (const [i, box] of (input.faceBoxes ?? []).entries()) {
    if (box.frame > input.frames.length) throw new ClipStoreError('invalid', `faceBoxes.${i}.frame`, `face box for frame ${box.frame}, but the clip has ${input.frames.length} frames`);
  }
  const id = input.id ?? newClipId();
  await commitClip(
    ws,
    {
      id,
      label,
      intensity: input.intensity,
      ...(input.subject ? { subject: input.subject } : {}),
      notes: input.notes ?? '',
      fps: input.fps,
      createdAt: new Date().toISOString(),
      source: input.source,
      faceBoxes: input.faceBoxes ?? [],
    },
    input.frames,
    input.webm,
  );
  await ensureRecordedDataset(ws);
  return summarise(ws, await readClipMeta(ws, id), id, labelsOf(await recordedSpec(ws)));
}

/** Edits label, intensity, subject or notes; frames and boxes stay as recorded. */
export async function updateClip(
  ws: Workspace,
  id: string,
  changes: { label?: string; intensity?: IntensityName; subject?: string; notes?: string },
): Promise<ClipSummary> {
  const parsed = await updateClipMeta(ws, id, async (meta) => {
    const next: Record<string, unknown> = { ...meta };
    // Checked once the clip is read, as always: a clip that is unknown or damaged is the error reported first.
    if (changes.label !== undefined) next.label = await canonicalLabel(ws, changes.label);
    if (changes.intensity !== undefined) next.intensity = changes.intensity;
    if (changes.notes !== undefined) next.notes = changes.notes;
    // An empty subject removes it.
    if (changes.subject !== undefined) {
      if (changes.subject.trim()) next.subject = changes.subject.trim();
      else delete next.subject;
    }
    return next;
  });
  return summarise(ws, parsed, id, labelsOf(await recordedSpec(ws)));
}

