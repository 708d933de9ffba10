/**
 * Checkpoints: model weights, optimizer state and the trainer's own state, written into a fresh folder and
 * swapped in by rename, so a crash at any moment leaves the previous checkpoint or the new one, whole.
 *
 * Layout (runs/<id>/checkpoint/): weights.json (manifest: name, shape, dtype, byte offset) + weights.bin
 * (little-endian float32/int32, concatenated), optimizer.json + optimizer.bin likewise for momentum
 * buffers, state.json (epoch, RNG/progress state, the epoch's metric line).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { crashPoint } from './crash-points';
import type { SgdState } from './optimizer';
import { tf } from './tf';

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

export interface CheckpointState {
  /** Last completed global epoch (0-based). */
  epoch: number;
  [key: string]: unknown;
}

export interface Checkpoint {
  weights: Map<string, tf.Tensor>;
  optimizer: SgdState;
  state: CheckpointState;
}

async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const h = await fs.open(file, 'w');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

function packArrays(items: { name: string; shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }[]) {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const it of items) {
    entries.push({ name: it.name, shape: it.shape, dtype: it.dtype, offset, length: it.values.length });
    offset += it.values.byteLength;
  }
  const buffer = new Uint8Array(offset);
  for (let i = 0; i < items.length; i++) {
    const v = items[i]!.values;
    buffer.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), entries[i]!.offset);
  }
  return { entries, buffer };
}

function unpack(entries: TensorEntry[], buffer: Buffer, file: string): Map<string, { shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }> {
  const out = new Map<string, { shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }>();
  for (const e of entries) {
    const bytes = e.length * 4;
    if (e.offset + bytes > buffer.length) throw new Error(`${file} is truncated: '${e.name}' needs bytes ${e.offset}-${e.offset + bytes}, file has ${buffer.length}`);
    const copy = new Uint8Array(bytes);
    copy.set(buffer.subarray(e.offset, e.offset + bytes));
    const values = e.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    out.set(e.name, { shape: e.shape, dtype: e.dtype, values });
  }
  return out;
}

export async function saveCheckpoint(runDir: string, weights: ReadonlyMap<string, tf.Tensor>, optimizer: SgdState, state: CheckpointState): Promise<void> {
  const final = path.join(runDir, 'checkpoint');
  await tidyCheckpoints(runDir);
  const tmp = path.join(runDir, `checkpoint.tmp-${randomBytes(3).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    const weightItems = [];
    for (const [name, t] of weights) {
      const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
      weightItems.push({ name, shape: t.shape, dtype: dtype as 'float32' | 'int32', values: (await t.data()) as Float32Array | Int32Array });
    }
    const w = packArrays(weightItems);
    await writeFileSynced(path.join(tmp, 'weights.bin'), w.buffer);
    await writeFileSynced(path.join(tmp, 'weights.json'), JSON.stringify({ format: 1, tensors: w.entries }, null, 1));
    crashPoint('checkpoint-mid-write', state.epoch);
    const o = packArrays(
      Object.entries(optimizer.momentumBuffers).map(([name, b]) => ({ name, shape: b.shape, dtype: 'float32' as const, values: b.values })),
    );
    await writeFileSynced(path.join(tmp, 'optimizer.bin'), o.buffer);
    await writeFileSynced(
      path.join(tmp, 'optimizer.json'),
      JSON.stringify({ format: 1, kind: optimizer.kind, config: optimizer.config, steps: optimizer.steps, tensors: o.entries }, null, 1),
    );
    await writeFileSynced(path.join(tmp, 'state.json'), JSON.stringify(state, null, 1));
    // Swap: old -> checkpoint.old-*, tmp -> checkpoint, then drop old. A crash between the two renames
    // leaves no `checkpoint` but a complete old-* and tmp-*: loadCheckpoint takes the newest complete one.
    const old = existsSync(final) ? `${final}.old-${randomBytes(3).toString('hex')}` : null;
    if (old) await fs.rename(final, old);
    crashPoint('checkpoint-between-renames', state.epoch);
    await fs.rename(tmp, final);
    await syncDir(runDir);
    if (old) await fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Makes a folder's renames durable (a power cut after rename must not bring the old name back). */
async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r').catch(() => null);
  if (!h) return;
  try {
    await h.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await h.close();
  }
}

const CANDIDATE = /^checkpoint(\.old-[0-9a-f]+|\.tmp-[0-9a-f]+)?$/;

/** The epoch a checkpoint folder holds, or null when it is incomplete (state.json is written last). */
async function completeEpoch(dir: string): Promise<number | null> {
  try {
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { epoch?: unknown };
    if (typeof state.epoch !== 'number' || !Number.isInteger(state.epoch)) return null;
    for (const f of ['weights.json', 'weights.bin', 'optimizer.json', 'optimizer.bin']) if (!existsSync(path.join(dir, f))) return null;
    return state.epoch;
  } catch {
    return null;
  }
}

/**
 * Every checkpoint folder of a run (checkpoint, checkpoint.old-*, checkpoint.tmp-*), complete or not, with
 * the epoch of the complete ones. The newest complete one is the run's checkpoint.
 */
export async function checkpointCandidates(runDir: string): Promise<{ name: string; epoch: number | null }[]> {
  const names = (await fs.readdir(runDir).catch(() => [] as string[])).filter((n) => CANDIDATE.test(n));
  return Promise.all(names.map(async (name) => ({ name, epoch: await completeEpoch(path.join(runDir, name)) })));
}

/**
 * Leaves exactly one checkpoint folder, `checkpoint`, holding the newest complete checkpoint (a crash between
 * the swap's two renames leaves it under an old-* or tmp-* name), and removes every other one: stale
 * old-*, half-written tmp-*, older complete ones. Only the run's lock holder calls this.
 */
export async function tidyCheckpoints(runDir: string): Promise<void> {
  const candidates = await checkpointCandidates(runDir);
  let newest: { name: string; epoch: number } | null = null;
  for (const c of candidates) {
    if (c.epoch === null) continue;
    // On a tie the settled name wins, then any (they hold the same epoch).
    if (!newest || c.epoch > newest.epoch || (c.epoch === newest.epoch && c.name === 'checkpoint')) newest = { name: c.name, epoch: c.epoch };
  }
  const final = path.join(runDir, 'checkpoint');
  for (const c of candidates) {
    if (newest && c.name === newest.name) continue;
    await fs.rm(path.join(runDir, c.name), { recursive: true, force: true });
  }
  if (newest && newest.name !== 'checkpoint') {
    await fs.rename(path.join(runDir, newest.name), final);
    await syncDir(runDir);
  }
}

async function locate(runDir: string): Promise<string | null> {
  await tidyCheckpoints(runDir);
  const final = path.join(runDir, 'checkpoint');
  return (await completeEpoch(final)) === null ? null : final;
}

/** The run's last checkpoint, or null when it has none. Tensors are the caller's to dispose. */
export async function loadCheckpoint(runDir: string): Promise<Checkpoint | null> {
  const dir = await locate(runDir);
  if (!dir) return null;
  const wManifest = JSON.parse(await fs.readFile(path.join(dir, 'weights.json'), 'utf8')) as { tensors: TensorEntry[] };
  const wData = unpack(wManifest.tensors, await fs.readFile(path.join(dir, 'weights.bin')), 'weights.bin');
  const oManifest = JSON.parse(await fs.readFile(path.join(dir, 'optimizer.json'), 'utf8')) as {
    kind: 'sgd';
    config: SgdState['config'];
    steps: number;
    tensors: TensorEntry[];
  };
  const oData = unpack(oManifest.tensors, await fs.readFile(path.join(dir, 'optimizer.bin')), 'optimizer.bin');
  const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as CheckpointState;
  const weights = new Map<string, tf.Tensor>();
  for (const [name, e] of wData) weights.set(name, tf.tensor(e.values, e.shape, e.dtype));
  const momentumBuffers: SgdState['momentumBuffers'] = {};
  for (const [name, e] of oData) momentumBuffers[name] = { shape: e.shape, values: e.values as Float32Array };
  return { weights, optimizer: { kind: oManifest.kind, config: oManifest.config, steps: oManifest.steps, momentumBuffers }, state };
}
