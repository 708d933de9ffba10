/**
 * Checkpoints: model weights, optimizer state and the trainer's own state, written into a fresh folder and
 * swapped in by rename, so a crash at any moment leaves the previous checkpoint or the new one, whole.
 *
 * Layout (runs/<id>/checkpoint/): weights.json + weights.bin, optimizer.json + optimizer.bin (momentum
 * buffers), state.json (epoch, RNG/progress state, the epoch's metric line). The .bin/.json pairs are
 * tfjs's own weight encoding (tf.io.encodeWeights: tensors concatenated in manifest order, little-endian;
 * the manifest lists name, shape, dtype), so tfjs tooling reads them too. Format 1 (before tf.io) wrote
 * the same bytes with explicit offsets; it still loads when its offsets are the contiguous ones tf.io
 * implies, and is refused by file name otherwise.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { crashPoint } from '../workspace/crash-points';
import type { SgdState } from './optimizer';
import { tf } from './tf';

/** A format-1 manifest entry (before tf.io encoding): explicit byte offset and element count. */
interface LegacyTensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

/** The manifest format this version writes: tf.io weight specs. */
const FORMAT = 2;

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

/** Encodes named tensors with tf.io in the given order (an array, so numeric-looking names keep their place). */
async function encode(tensors: { name: string; tensor: tf.Tensor }[]): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { data: new Uint8Array(data), specs };
}

/** The tf.io specs of a manifest of either format; refuses what does not describe `bytes` bytes exactly. */
function specsOf(manifest: { format?: unknown; tensors?: unknown; specs?: unknown }, bytes: number, file: string): tf.io.WeightsManifestEntry[] {
  let specs: tf.io.WeightsManifestEntry[];
  if (manifest.format === FORMAT && Array.isArray(manifest.specs)) {
    specs = manifest.specs as tf.io.WeightsManifestEntry[];
  } else if (manifest.format === 1 && Array.isArray(manifest.tensors)) {
    let offset = 0;
    specs = (manifest.tensors as LegacyTensorEntry[]).map((e) => {
      if (e.offset !== offset || e.length !== e.shape.reduce((p, d) => p * d, 1)) {
        throw new Error(`${file}: format-1 entry '${e.name}' is not where tf.io expects it (offset ${e.offset}, want ${offset}); this checkpoint cannot be loaded`);
      }
      offset += e.length * 4;
      return { name: e.name, shape: e.shape, dtype: e.dtype };
    });
  } else {
    throw new Error(`${file}: unknown checkpoint manifest format ${JSON.stringify(manifest.format)} (this version reads 1 and ${FORMAT})`);
  }
  const binFile = file.replace(/\.json$/, '.bin');
  let end = 0;
  for (const s of specs) {
    if (s.dtype !== 'float32' && s.dtype !== 'int32') throw new Error(`${file}: '${s.name}' has dtype ${s.dtype}; checkpoints hold float32 and int32`);
    const start = end;
    end += s.shape.reduce((p, d) => p * d, 1) * 4;
    if (end > bytes) throw new Error(`${binFile} is truncated: '${s.name}' needs bytes ${start}-${end}, file has ${bytes}`);
  }
  if (end !== bytes) throw new Error(`${binFile} is ${bytes} bytes; its manifest describes ${end}: not the file this manifest was written with`);
  return specs;
}

/** Reads one .json/.bin pair into tensors (the caller's to dispose). */
async function readPair(dir: string, base: string): Promise<{ manifest: Record<string, unknown>; tensors: tf.NamedTensorMap; order: string[] }> {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, `${base}.json`), 'utf8')) as Record<string, unknown>;
  const bin = await fs.readFile(path.join(dir, `${base}.bin`));
  const specs = specsOf(manifest, bin.length, `${base}.json`);
  // A copy into a fresh ArrayBuffer: a Buffer may be a view into Node's shared pool.
  const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return { manifest, tensors: tf.io.decodeWeights(data, specs), order: specs.map((s) => s.name) };
}

export async function saveCheckpoint(runDir: string, weights: ReadonlyMap<string, tf.Tensor>, optimizer: SgdState, state: CheckpointState): Promise<void> {
  const final = path.join(runDir, 'checkpoint');
  await tidyCheckpoints(runDir);
  const tmp = path.join(runDir, `checkpoint.tmp-${randomBytes(3).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    for (const [name, t] of weights) {
      if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`checkpoint: weight '${name}' is ${t.dtype}; checkpoints hold float32 and int32`);
    }
    const w = await encode([...weights].map(([name, tensor]) => ({ name, tensor })));
    await writeFileSynced(path.join(tmp, 'weights.bin'), w.data);
    await writeFileSynced(path.join(tmp, 'weights.json'), JSON.stringify({ format: FORMAT, specs: w.specs }, null, 1));
    crashPoint('checkpoint-mid-write', state.epoch);
    const buffers = Object.entries(optimizer.momentumBuffers).map(([name, b]) => ({ name, tensor: tf.tensor(b.values, b.shape, 'float32') }));
    let o: Awaited<ReturnType<typeof encode>>;
    try {
      o = await encode(buffers);
    } finally {
      for (const b of buffers) b.tensor.dispose();
    }
    await writeFileSynced(path.join(tmp, 'optimizer.bin'), o.data);
    await writeFileSynced(
      path.join(tmp, 'optimizer.json'),
      JSON.stringify({ format: FORMAT, kind: optimizer.kind, config: optimizer.config, steps: optimizer.steps, specs: o.specs }, null, 1),
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
  const w = await readPair(dir, 'weights');
  let o: Awaited<ReturnType<typeof readPair>>;
  try {
    o = await readPair(dir, 'optimizer');
  } catch (err) {
    for (const t of Object.values(w.tensors)) t.dispose();
    throw err;
  }
  const oManifest = o.manifest as { kind: 'sgd'; config: SgdState['config']; steps: number };
  const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as CheckpointState;
  const weights = new Map<string, tf.Tensor>(w.order.map((name) => [name, w.tensors[name]!]));
  const momentumBuffers: SgdState['momentumBuffers'] = {};
  for (const name of o.order) {
    const t = o.tensors[name]!;
    momentumBuffers[name] = { shape: t.shape, values: t.dataSync() as Float32Array };
    t.dispose();
  }
  return { weights, optimizer: { kind: oManifest.kind, config: oManifest.config, steps: oManifest.steps, momentumBuffers }, state };
}
