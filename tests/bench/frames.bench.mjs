#!/usr/bin/env node
/**
 * Frame-pipeline benchmark: clips/s of the workbench loader (src-main/data/loader.ts) with a cold and a
 * warm decoded-frame cache, against a reference loader written the way the public IAL code loads DFEW
 * (PIL + torchvision group transforms + torch DataLoader; tests/bench/reference_loader.py), on the same
 * generated 224x224 JPEG clips, same clip count, same sampling, measured in the same run. Prints ratios.
 *
 *   node tests/bench/frames.bench.mjs [--clips 48] [--reps 2] [--workers 2] [--batch 8] [--python /usr/bin/python3]
 *
 * The reference runs under Debian's /usr/bin/python3 (python3-torch, python3-torchvision); without them
 * the Python half is skipped with a message. Each measurement is repeated (--reps) and the best kept, on
 * both sides, because this machine is shared. Results also go to tests/bench/results.local.json.
 *
 * What each side does (check these when comparing):
 * - Same clips, T, batch size, output (112x112 RGB float in [0, 1]); evaluation samples the same segment
 *   centres on both sides; training one random frame per equal segment on both (different generators, so
 *   other frames, same count). Both decode the full 224x224 JPEG: PIL opens without draft mode, and
 *   sharp does not shrink-on-load at exactly 2x (it only uses libjpeg's DCT scaling from 3x on).
 * - Parallelism: the reference runs a torch DataLoader with --workers worker processes and with 0
 *   (in-process), best kept, torch and OpenMP at 1 thread. Ours prepares --workers clips at a time
 *   (concurrency), sharp calls run on libuv's pool (UV_THREADPOOL_SIZE, default 4), libvips at one
 *   thread per call (sharp's default on glibc), resize/augment/float conversion on the main thread.
 *   Both sides share the same cores.
 * - Resize: PIL bilinear with antialias (4 taps per axis at 2x); ours averages the covered area (2 taps).
 *   Training: the reference crops the 224 original, then ColorJitter + RandomRotation on the tensor;
 *   ours crops, flips and rotates the 112 frame in one bilinear pass.
 * - Timed: the reference includes its DataLoader's worker start-up and a folder listing per clip (as the
 *   IAL code); ours includes creating the loader and, cold, waiting for the cache writes; the dataset
 *   fingerprint (once per run) is reported separately. Frames are in the OS page cache on both sides
 *   (just generated): "cold" is the decoded-frame cache, not the disk.
 * - Ours cold in training fills the cache with every frame of each clip (the default, so later epochs
 *   never decode): ~3x the frames the reference decodes. The "fill 'sampled'" line decodes the same 16.
 * - CPU ms/clip: ours is process.cpuUsage() (every thread), the reference getrusage of itself and its
 *   reaped worker processes; on a loaded machine it shows the work done better than clips/s does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { runnerImport } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const { values: args } = parseArgs({
  options: {
    clips: { type: 'string' },
    reps: { type: 'string' },
    workers: { type: 'string' },
    concurrency: { type: 'string' },
    batch: { type: 'string' },
    python: { type: 'string' },
  },
  strict: true,
  allowPositionals: false,
});
const CLIPS = Number(args.clips ?? 48);
const REPS = Number(args.reps ?? 2);
const WORKERS = Number(args.workers ?? 2);
/** Ours: clips in flight; the loader's own default (what runs use) unless given. */
const CONCURRENCY = args.concurrency === undefined ? undefined : Number(args.concurrency);
const BATCH = Number(args.batch ?? 8);
const FRAMES = 16;
const SIZE = 112;
const PYTHON = args.python ?? '/usr/bin/python3';

/** Deterministic pseudo-random numbers for the generated data. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** A face-like 224x224 frame: gradient background, a moving ellipse, mild noise (JPEG ~10-20 KB). */
function framePixels(clip, k, rand) {
  const w = 224;
  const raw = Buffer.alloc(w * w * 3);
  const cx = 112 + 20 * Math.sin((k + clip) / 6);
  const cy = 112 + 10 * Math.cos(k / 5);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const inFace = ((x - cx) / 60) ** 2 + ((y - cy) / 80) ** 2 < 1;
      const n = (rand() - 0.5) * 24;
      raw[o] = Math.max(0, Math.min(255, (inFace ? 205 : 40 + x / 3) + n));
      raw[o + 1] = Math.max(0, Math.min(255, (inFace ? 160 : 60 + y / 4) + n));
      raw[o + 2] = Math.max(0, Math.min(255, (inFace ? 140 : 90 + ((x + y) % 64)) + n));
    }
  return raw;
}

async function generateClips(dir) {
  const rand = lcg(42);
  const clips = [];
  for (let c = 0; c < CLIPS; c++) {
    const n = 20 + Math.floor(rand() * 61); // 20..80 frames, DFEW-like lengths
    const clipDir = path.join(dir, 'Clip', 'clip_224x224', String(c + 1).padStart(5, '0'));
    mkdirSync(clipDir, { recursive: true });
    const framePaths = [];
    for (let k = 0; k < n; k++) {
      const file = path.join(clipDir, `${String(k + 1).padStart(5, '0')}.jpg`);
      await sharp(framePixels(c, k, rand), { raw: { width: 224, height: 224, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
      framePaths.push(file);
    }
    clips.push({ id: String(c + 1).padStart(5, '0'), label: c % 7, labelName: `c${c % 7}`, framePaths });
  }
  return clips;
}

function pythonAvailable() {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision, PIL'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `torch/torchvision not importable by ${PYTHON}: ${(r.stderr || '').trim().split('\n').pop()}`;
}

function runReference(listFile, mode, workers) {
  const out = execFileSync(PYTHON, [path.join(here, 'reference_loader.py'), '--clips', listFile, '--mode', mode, '--workers', String(workers), '--batch', String(BATCH), '--frames', String(FRAMES), '--size', String(SIZE)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/**
 * One epoch of our loader. The dataset fingerprint is computed once per run by the trainer (run setup)
 * and passed as cacheKey, as here; its one-off cost is reported separately.
 */
async function runOurs(createClipLoader, clips, { training, cacheDir, cacheKey, cacheFill, epoch = 0 }) {
  const cpu = process.cpuUsage(); // every thread of this process: main, libuv pool, libvips workers
  const start = performance.now();
  const loader = createClipLoader({ clips, frames: FRAMES, size: SIZE, training, seed: 0, batchSize: BATCH, cacheDir, cacheKey, cacheFill, concurrency: CONCURRENCY });
  let seen = 0;
  for await (const batch of loader.epoch(epoch)) seen += batch.shape[0];
  await loader.flush(); // a cold epoch is not over until its cache is on disk
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { clips: seen, seconds, clips_per_s: seen / seconds, cpu_ms_per_clip: (used.user + used.system) / 1000 / Math.max(1, seen), stats: loader.stats() };
}

const best = (runs) => runs.reduce((a, b) => (b.clips_per_s > a.clips_per_s ? b : a));

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dfer-bench-'));
  try {
    process.stdout.write(`generating ${CLIPS} clips of 224x224 JPEGs in ${work} ... `);
    const clips = await generateClips(work);
    const frameCount = clips.reduce((n, c) => n + c.framePaths.length, 0);
    console.log(`${frameCount} frames; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    const listFile = path.join(work, 'clips.json');
    writeFileSync(listFile, JSON.stringify(clips.map((c) => ({ id: c.id, label: c.label, dir: path.dirname(c.framePaths[0]) }))));

    const { module } = await runnerImport(path.join(repo, 'src-main', 'data', 'loader.ts'), { configFile: false, root: repo, logLevel: 'silent' });
    const { createClipLoader } = module;
    const { module: cacheModule } = await runnerImport(path.join(repo, 'src-main', 'data', 'cache.ts'), { configFile: false, root: repo, logLevel: 'silent' });
    const fingerprintStart = performance.now();
    const cacheKey = await cacheModule.fingerprintClips(clips);
    const fingerprintMs = performance.now() - fingerprintStart;
    console.log(`dataset fingerprint (stat of ${frameCount} frames, once per run): ${fingerprintMs.toFixed(0)} ms`);
    const missingPython = pythonAvailable();
    if (missingPython) console.log(`reference loader skipped: ${missingPython} (install python3-torch python3-torchvision with apt)`);

    const results = {};
    for (const mode of ['eval', 'train']) {
      const training = mode === 'train';
      const cold = [];
      const coldSampled = [];
      const warm = [];
      const reference = [];
      for (let rep = 0; rep < REPS; rep++) {
        if (!missingPython) for (const w of [WORKERS, 0]) reference.push(runReference(listFile, mode, w));
        // Training's default fills the cache with every frame of a clip on its first visit (later epochs
        // then never decode); 'sampled' decodes only the 16 frames the reference decodes too.
        if (training) coldSampled.push(await runOurs(createClipLoader, clips, { training, cacheDir: path.join(work, `cache-${mode}-sampled-${rep}`), cacheKey, cacheFill: 'sampled' }));
        const cacheDir = path.join(work, `cache-${mode}-${rep}`);
        cold.push(await runOurs(createClipLoader, clips, { training, cacheDir, cacheKey }));
        // Warm: later epochs (training samples other frames each epoch, all already cached).
        for (const epoch of [1, 2]) warm.push(await runOurs(createClipLoader, clips, { training, cacheDir, cacheKey, epoch }));
      }
      const r = {
        ours_cold: best(cold),
        ours_cold_sampled: coldSampled.length ? best(coldSampled) : undefined,
        ours_warm: best(warm),
        reference: missingPython ? undefined : best(reference),
      };
      results[mode] = r;
      const fmt = (x) => `${x.clips_per_s.toFixed(1)} clips/s, ${x.cpu_ms_per_clip.toFixed(1)} CPU ms/clip`;
      const ratio = (x) => (x.clips_per_s / r.reference.clips_per_s).toFixed(2);
      console.log(`\n[${mode}] ${CLIPS} clips, T=${FRAMES}, ${SIZE}x${SIZE}, batch ${BATCH}, concurrency/workers ${WORKERS}`);
      console.log(`  ours, cold cache : ${fmt(r.ours_cold)}  (decoded ${r.ours_cold.stats.framesDecoded} frames${training ? ': every frame of each clip' : ''})`);
      if (r.ours_cold_sampled) console.log(`  ours, cold, fill 'sampled' : ${fmt(r.ours_cold_sampled)}  (decoded ${r.ours_cold_sampled.stats.framesDecoded} frames)`);
      console.log(`  ours, warm cache : ${fmt(r.ours_warm)}  (decoded ${r.ours_warm.stats.framesDecoded} frames)`);
      if (r.reference) {
        console.log(`  reference (PIL+torchvision, best of workers ${WORKERS}/0: ${r.reference.workers}) : ${fmt(r.reference)}  (decoded ${CLIPS * FRAMES} frames)`);
        console.log(`  ratio warm/reference: ${ratio(r.ours_warm)}x   cold/reference: ${ratio(r.ours_cold)}x${r.ours_cold_sampled ? `   cold 'sampled'/reference: ${ratio(r.ours_cold_sampled)}x` : ''}`);
      }
    }
    writeFileSync(path.join(here, 'results.local.json'), JSON.stringify({ at: new Date().toISOString(), clips: CLIPS, frames: frameCount, cpus: os.cpus().length, loadavg: os.loadavg(), fingerprintMs, results }, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
