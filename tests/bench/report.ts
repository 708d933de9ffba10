/**
 * Pure helpers of the training-step benchmark (tests/bench/run.mjs): the machine's nominal FP32 peak from
 * /proc/cpuinfo, % of peak, tfjs/PyTorch ratios and the printed table. Unit-tested in
 * tests/unit/bench/report.test.ts; run.mjs loads this file through Vite's module runner.
 */

export interface NominalPeak {
  /** Vector ISA the native peak assumes: 'avx512' (2 x 512-bit FMA), 'avx2' (2 x 256-bit FMA) or 'sse'. */
  isa: 'avx512' | 'avx2' | 'sse';
  /** FP32 FLOPs per cycle per core for that ISA. */
  flopsPerCycle: number;
  /** Clock used, GHz (cpuinfo's "cpu MHz": the base clock a VM reports; boost would be higher). */
  ghz: number;
  cores: number;
  /** Native FP32 peak of one core and of all cores, GFLOP/s. */
  perCoreGflops: number;
  machineGflops: number;
  /**
   * WebAssembly SIMD128 peak of one thread, GFLOP/s: 4 lanes, no fused multiply-add in SIMD128, so at best
   * two multiplies and two adds issue per cycle: 16 FLOPs per cycle.
   */
  wasmSimdPerThreadGflops: number;
}

export const WASM_SIMD128_FLOPS_PER_CYCLE = 16;

/**
 * Nominal FP32 peak from /proc/cpuinfo text: FLOPs per cycle from the flags (avx512f: 2 FMA units x 16
 * lanes x 2 = 64; fma + avx2: 2 x 8 x 2 = 32; otherwise 2 x 4 x 2 = 16), the clock from "cpu MHz",
 * cores from the processor entries. `cores` overrides the count (e.g. os.cpus().length).
 */
export function nominalPeak(cpuinfo: string, cores?: number): NominalPeak {
  const flagsLine = cpuinfo.split('\n').find((l) => /^flags\s*:/.test(l)) ?? '';
  const flags = new Set(flagsLine.replace(/^flags\s*:/, '').trim().split(/\s+/));
  const mhzMatch = /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo);
  const processors = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const isa: NominalPeak['isa'] = flags.has('avx512f') ? 'avx512' : flags.has('avx2') && flags.has('fma') ? 'avx2' : 'sse';
  const flopsPerCycle = isa === 'avx512' ? 64 : isa === 'avx2' ? 32 : 16;
  const ghz = mhzMatch ? Number(mhzMatch[1]) / 1000 : NaN;
  const n = cores ?? Math.max(1, processors);
  return {
    isa,
    flopsPerCycle,
    ghz,
    cores: n,
    perCoreGflops: flopsPerCycle * ghz,
    machineGflops: flopsPerCycle * ghz * n,
    wasmSimdPerThreadGflops: WASM_SIMD128_FLOPS_PER_CYCLE * ghz,
  };
}

/** GFLOP/s of a training step: FLOPs per clip x 3 (forward + 2 x backward) x clips / time. */
export function trainingGflops(forwardFlopsPerClip: number, clips: number, msPerStep: number): number {
  if (!(msPerStep > 0)) throw new RangeError(`msPerStep must be > 0, got ${msPerStep}`);
  return (3 * forwardFlopsPerClip * clips) / (msPerStep / 1000) / 1e9;
}

/** achieved / peak as a percentage; null when the peak is unknown. */
export function percentOfPeak(gflops: number, peakGflops: number): number | null {
  return Number.isFinite(peakGflops) && peakGflops > 0 ? (100 * gflops) / peakGflops : null;
}

/** tfjs time / PyTorch time (> 1: tfjs is slower by that factor); null if either is missing. */
export function slowdown(tfjsMs: number | null | undefined, torchMs: number | null | undefined): number | null {
  if (tfjsMs == null || torchMs == null || !(tfjsMs > 0) || !(torchMs > 0)) return null;
  return tfjsMs / torchMs;
}

export interface TableRow {
  model: string;
  config: string;
  impl: string;
  threads: number;
  msPerStep: number;
  clipsPerStep: number;
  forwardFlopsPerClip: number;
  forwardMsPerClip: number | null;
  /** The peak this row's implementation could reach with its threads (native or wasm SIMD), GFLOP/s. */
  ownPeakGflops: number;
  /** tfjs ms / this row's ms, for PyTorch rows. */
  ratio: number | null;
}

export interface FormattedRow {
  cells: string[];
}

const fixed = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

export const TABLE_HEADER = ['model', 'config', 'impl', 'thr', 'ms/step', 'clips/s', 'GFLOP/s', '% machine', '% own peak', 'fwd ms/clip', 'tfjs/torch'];

export function tableCells(row: TableRow, machinePeakGflops: number): string[] {
  const gflops = trainingGflops(row.forwardFlopsPerClip, row.clipsPerStep, row.msPerStep);
  return [
    row.model,
    row.config,
    row.impl,
    String(row.threads),
    fixed(row.msPerStep, 0),
    fixed(row.clipsPerStep / (row.msPerStep / 1000), 2),
    fixed(gflops, 1),
    fixed(percentOfPeak(gflops, machinePeakGflops), 1),
    fixed(percentOfPeak(gflops, row.ownPeakGflops), 1),
    fixed(row.forwardMsPerClip, 1),
    row.ratio === null ? '' : `${row.ratio.toFixed(2)}x`,
  ];
}

/** A plain-text table: columns padded to their widest cell, text left-aligned, numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]*x?$|^-$|^$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The wasm32 heap can grow to 4 GiB (65,536 pages of 64 KiB); tfjs-backend-wasm stops one page short. */
export const WASM_HEAP_CAP_BYTES = 4 * 1024 ** 3;

/** True when a wasm heap is within `marginBytes` (default 16 MiB) of the 4 GiB cap, where allocations start to fail. */
export function atWasmHeapCap(heapBytes: number | null | undefined, marginBytes = 16 * 1024 ** 2): boolean {
  return heapBytes != null && heapBytes >= WASM_HEAP_CAP_BYTES - marginBytes;
}
