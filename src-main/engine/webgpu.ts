/**
 * The `webgpu` backend: tfjs-backend-webgpu on Dawn's Node binding (the `webgpu` npm package), so training
 * can use any GPU that Dawn reaches (Vulkan, Metal, D3D12) without CUDA.
 *
 * Two steps, so that backend selection can say why webgpu was or was not used before anything is set up:
 * - `probeWebGpu` loads the binding, asks for an adapter and describes it (vendor, architecture, limits,
 *   whether it is a software implementation such as SwiftShader);
 * - `setWebGpuBackend` asks that adapter for a device and makes tfjs use it.
 *
 * A software adapter (SwiftShader, llvmpipe, a CPU-type device, Dawn's fallback adapter) is only used when
 * the caller allows it: it is correct but far slower than the wasm backend, so it serves tests only.
 *
 * Faults: WebGPU reports errors asynchronously and tfjs does not look at them, so a shader that fails to
 * compile, a buffer that cannot be allocated or a lost device would otherwise leave garbage in the tensors.
 * The device's uncaptured errors (validation, out-of-memory, internal) and its loss are recorded here as the
 * first fault; `checkWebGpu` throws a WebGpuFault naming it (the trainer calls it after every step, before
 * the step's numbers are used) and `explainWebGpuFailure` names it when a GPU read failed because of it.
 * Test-only fault injection: DFER_WEBGPU_INJECT_FAULT (see `INJECT_FAULT_ENV`).
 *
 * Lifetime: Dawn keeps the process alive while its GPU object is referenced (dawn.node's README), so a probe
 * that does not lead to the backend drops every reference it made (`releaseWebGpu`).
 */
import { createRequire } from 'node:module';
import type { WebGpuAdapterInfo } from '../api/contract';
import { tf } from './tf';
import { registerWebGpuKernels } from './webgpu-kernels';

const requirePackage = createRequire(import.meta.url);

/** The environment switch that lets an explicit `--backend webgpu` run on a software adapter (tests). */
export const ALLOW_SOFTWARE_ENV = 'DFER_WEBGPU_ALLOW_SOFTWARE';

export function softwareAllowedByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ALLOW_SOFTWARE_ENV] === '1';
}

// The few WebGPU shapes used here, typed locally so the Node build does not pull in the DOM-side
// `@webgpu/types` globals.
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
type GpuLimitsLike = Record<string, number | undefined>;
interface GpuErrorLike {
  message?: string;
  constructor?: { name?: string };
}
interface GpuBufferLike {
  destroy(): void;
}
interface GpuDeviceLike {
  destroy(): void;
  lost: Promise<{ reason?: string; message?: string }>;
  onuncapturederror: ((event: { error?: GpuErrorLike }) => void) | null;
  createBuffer(descriptor: { size: number; usage: number }): GpuBufferLike;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuErrorLike | null>;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  limits: GpuLimitsLike;
  features: { has(name: string): boolean };
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power'; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export interface WebGpuProbe {
  /** true: the adapter may be used (hardware, or software where allowed). */
  ok: boolean;
  /** The adapter found, whether usable or not; null when the binding or the adapter is missing. */
  adapter: WebGpuAdapterInfo | null;
  /** Why it can or cannot be used, in words for `dfer info`. */
  reason: string;
}

/** The limits the workbench reads (micro-batch sizing) and that the backend's device asks for. */
const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Names of software implementations in the adapter's strings, and how `dfer info` names each. */
const SOFTWARE_NAMES: Array<[RegExp, string]> = [
  [/swiftshader/i, 'SwiftShader, a software Vulkan'],
  [/llvmpipe|lavapipe/i, 'llvmpipe, a software Vulkan'],
  [/softpipe/i, 'softpipe, a software renderer'],
  [/microsoft basic render|\bwarp\b/i, 'WARP, a software Direct3D'],
];

/** Whether an adapter is a software implementation, and its name for messages (null: hardware). */
export function softwareAdapterName(info: GpuAdapterInfoLike, adapterIsFallback = false): string | null {
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  for (const [pattern, name] of SOFTWARE_NAMES) if (pattern.test(text)) return name;
  // Dawn marks CPU-type devices (VK_PHYSICAL_DEVICE_TYPE_CPU and the like) as its fallback adapter.
  if (info.isFallbackAdapter === true || adapterIsFallback) return `${info.description || info.device || 'an unnamed adapter'}, a fallback (CPU) adapter`;
  return null;
}

function describeAdapter(adapter: GpuAdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  const software = softwareAdapterName(info, adapter.isFallbackAdapter === true);
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = adapter.limits[name];
    if (typeof value === 'number') limits[name] = value;
  }
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isSoftware: software != null,
    ...(software != null ? { software } : {}),
    limits: limits as unknown as WebGpuAdapterInfo['limits'],
  };
}

/** One line naming an adapter: `google swiftshader (SwiftShader driver 5.0.0)`. */
export function adapterLabel(a: WebGpuAdapterInfo): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.device || 'unnamed adapter';
  return a.description ? `${name} (${a.description})` : name;
}

// State of this process's Dawn instance: the GPU object, the adapter of the last probe, the device in use.
let dawn: DawnModule | null = null;
let gpu: GpuLike | null = null;
let probedAdapter: GpuAdapterLike | null = null;
let probedInfo: WebGpuAdapterInfo | null = null;
let device: GpuDeviceLike | null = null;
let deviceLost: string | null = null;
/** The first fault of the current device, in words (null: none). */
let fault: string | null = null;

function describeLoadError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const first = String(e?.message ?? err).split('\n')[0];
  if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && /dawn\.node/.test(first)) {
    return `the webgpu package has no dawn.node binary for ${process.platform}-${process.arch}`;
  }
  if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && /'webgpu'|"webgpu"|webgpu\/index/.test(first)) {
    return 'the webgpu package is not installed';
  }
  return `the webgpu package (Dawn) failed to load: ${first}`;
}

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  const mod = (await import('webgpu')) as unknown as DawnModule;
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [key, value] of Object.entries(mod.globals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, writable: true, configurable: true });
  }
  dawn = mod;
  return mod;
}

/** `navigator.gpu`, which tfjs-backend-webgpu checks; Node 21+ has a `navigator` of its own. */
function installNavigatorGpu(value: GpuLike | undefined): void {
  const g = globalThis as { navigator?: Record<string, unknown> };
  if (g.navigator == null) {
    if (value === undefined) return;
    Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  }
  const nav = g.navigator!;
  if (value === undefined) delete nav.gpu;
  else Object.defineProperty(nav, 'gpu', { value, writable: true, configurable: true });
}

/**
 * Loads Dawn, asks for a high-performance adapter and says whether it may be used. Never throws: a missing
 * binary, a missing adapter or a refused software adapter comes back as `ok: false` with the reason.
 */
export async function probeWebGpu(opts: { allowSoftware: boolean; why?: string }): Promise<WebGpuProbe> {
  if (device && probedInfo) {
    // This process already runs on a device: the adapter cannot change.
    return { ok: true, adapter: probedInfo, reason: 'in use' };
  }
  let mod: DawnModule;
  try {
    mod = await loadDawn();
  } catch (err) {
    return { ok: false, adapter: null, reason: describeLoadError(err) };
  }
  let adapter: GpuAdapterLike | null;
  try {
    gpu ??= mod.create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    releaseWebGpu();
    return { ok: false, adapter: null, reason: `Dawn could not look for an adapter: ${(err as Error).message}` };
  }
  if (!adapter) {
    releaseWebGpu();
    const hint = process.platform === 'linux' ? ' (no Vulkan driver found; see VK_ICD_FILENAMES)' : '';
    return { ok: false, adapter: null, reason: `no WebGPU adapter${hint}` };
  }
  const info = describeAdapter(adapter);
  if (info.isSoftware && !opts.allowSoftware) {
    releaseWebGpu();
    const how = opts.why ?? `set ${ALLOW_SOFTWARE_ENV}=1 to use it`;
    return { ok: false, adapter: info, reason: `no hardware adapter (only ${info.software}: ${adapterLabel(info)}; ${how})` };
  }
  probedAdapter = adapter;
  probedInfo = info;
  const kind = info.isSoftware ? `software adapter ${info.software}, allowed by ${ALLOW_SOFTWARE_ENV}=1` : 'hardware adapter';
  return { ok: true, adapter: info, reason: `${kind}: ${adapterLabel(info)}` };
}

/**
 * Creates a device on the adapter of the last successful probe and makes tfjs use it as the `webgpu`
 * backend. Throws with the reason when there is no such adapter or the device cannot be created.
 */
export async function setWebGpuBackend(): Promise<WebGpuAdapterInfo> {
  if (tf.engine().registry.webgpu != null && device && probedInfo) {
    if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
    return probedInfo;
  }
  const adapter = probedAdapter;
  const info = probedInfo;
  if (!adapter || !info || !gpu) throw new Error('no usable WebGPU adapter (probeWebGpu first)');
  // The package registers its own factory (high-performance adapter, its own device) when navigator.gpu
  // exists at load; ours replaces it so the device is the probed adapter's, with its full limits.
  installNavigatorGpu(gpu);
  const pkg = requirePackage('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const dev = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  device = dev;
  deviceLost = null;
  fault = null;
  injection = null;
  dev.onuncapturederror = (event) => {
    if (device === dev) recordFault(describeGpuError(event.error));
  };
  void dev.lost.then((lost) => {
    if (device !== dev) return; // released on purpose
    deviceLost = `${lost.reason ?? 'unknown'}: ${lost.message ?? ''}`.trim();
    recordFault(`the GPU device was lost (${deviceLost})`);
  });
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new pkg.WebGPUBackend(dev as never, adapter.info as never), 3);
  registerWebGpuKernels();
  const ok = await tf.setBackend('webgpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'webgpu') {
    tf.removeBackend('webgpu');
    releaseWebGpu();
    throw new Error("tf.setBackend('webgpu') failed");
  }
  return info;
}

/** Why the device was lost, if it was (null: not lost, or no device). */
export function webGpuDeviceLost(): string | null {
  return deviceLost;
}

/** The adapter of the device tfjs runs on (null: the webgpu backend is not set up). */
export function webGpuAdapterInUse(): WebGpuAdapterInfo | null {
  return device ? probedInfo : null;
}

/** A GPU fault: the run stops with it rather than compute with what the GPU left in its buffers. */
export class WebGpuFault extends Error {
  constructor(readonly fault: string) {
    super(`WebGPU fault: ${fault}; the run stopped rather than use the results of the failed GPU work`);
    this.name = 'WebGpuFault';
  }
}

function recordFault(text: string): void {
  if (fault === null) fault = text;
}

/** `GPUOutOfMemoryError: vkAllocateMemory failed ...` as `GPU out of memory: vkAllocateMemory failed ...`. */
export function describeGpuError(error: GpuErrorLike | undefined): string {
  const kind = error?.constructor?.name ?? '';
  const message = String(error?.message ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' ')
    .slice(0, 400);
  const what =
    kind === 'GPUOutOfMemoryError'
      ? 'GPU out of memory (lower microBatch or the input size)'
      : kind === 'GPUValidationError'
        ? 'WebGPU validation error'
        : kind === 'GPUInternalError'
          ? 'GPU internal error'
          : `uncaptured GPU error${kind ? ` (${kind})` : ''}`;
  return message ? `${what}: ${message}` : what;
}

/** The first fault of the device in use, if any (null: none, or no device). */
export function webGpuFault(): string | null {
  return fault;
}

/**
 * Test-only: DFER_WEBGPU_INJECT_FAULT=<kind>[@<n>] makes the n-th call of `checkWebGpu` (default 2; counted
 * from the first call that sees the value) cause a real GPU fault after its check, so the next step meets it:
 * - `device-lost`: destroys the device;
 * - `validation`: creates a buffer with an invalid usage (MAP_READ | STORAGE), a validation error;
 * - `oom`: allocates buffers of maxBufferSize until the device reports out-of-memory (at most 256).
 */
export const INJECT_FAULT_ENV = 'DFER_WEBGPU_INJECT_FAULT';
export const INJECTABLE_FAULTS = ['device-lost', 'validation', 'oom'] as const;
export type InjectableFault = (typeof INJECTABLE_FAULTS)[number];

/** The injection being counted: the environment's value it was read from, and the checks seen since. */
let injection: { raw: string; kind: InjectableFault; at: number; calls: number } | null = null;

function parseInjection(raw: string): { kind: InjectableFault; at: number } {
  const [kind, at] = raw.split('@');
  if (!(INJECTABLE_FAULTS as readonly string[]).includes(kind!)) {
    throw new Error(`${INJECT_FAULT_ENV} must be one of ${INJECTABLE_FAULTS.join(', ')} (optionally @<step>), got '${raw}'`);
  }
  const step = at === undefined ? 2 : Number(at);
  if (!Number.isInteger(step) || step < 1) throw new Error(`${INJECT_FAULT_ENV}: the step after '@' must be a positive integer, got '${at}'`);
  return { kind: kind as InjectableFault, at: step };
}

/** Causes a real fault on the device (see INJECT_FAULT_ENV). Exported for tests. */
export function injectWebGpuFault(kind: InjectableFault): void {
  const dev = device;
  if (!dev) throw new Error('no WebGPU device to inject a fault into');
  const usage = (globalThis as unknown as { GPUBufferUsage: Record<string, number> }).GPUBufferUsage;
  if (kind === 'device-lost') {
    dev.destroy();
  } else if (kind === 'validation') {
    dev.createBuffer({ size: 16, usage: usage.MAP_READ! | usage.STORAGE! });
  } else {
    const size = probedInfo?.limits.maxBufferSize ?? 1024 ** 3;
    const held: GpuBufferLike[] = [];
    for (let i = 0; i < 256 && fault === null; i++) held.push(dev.createBuffer({ size, usage: usage.STORAGE! }));
    held.forEach((b) => b.destroy());
  }
}

/**
 * Throws a WebGpuFault if the device in use has had a fault (a no-op without a webgpu device). The trainer
 * calls it after each step and before it records or saves anything computed on the GPU.
 */
export function checkWebGpu(): void {
  if (!device) return;
  if (fault !== null) throw new WebGpuFault(fault);
  const raw = process.env[INJECT_FAULT_ENV];
  if (!raw) {
    injection = null;
    return;
  }
  // Counted from the first check that sees this value (a new value starts a new count).
  if (injection?.raw !== raw) injection = { raw, ...parseInjection(raw), calls: 0 };
  if (++injection.calls === injection.at) injectWebGpuFault(injection.kind);
}

/**
 * The reason a run failed, naming the GPU fault behind it when there was one: a read from a lost device
 * fails with an empty message, and Dawn reports the loss a moment later, so this waits briefly for it.
 */
export async function explainWebGpuFailure(err: unknown): Promise<string> {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof WebGpuFault || !device) return message;
  if (fault === null) await new Promise((resolve) => setTimeout(resolve, 100));
  if (fault === null) return message;
  return message ? `${new WebGpuFault(fault).message} (then: ${message})` : new WebGpuFault(fault).message;
}

/**
 * Drops this process's Dawn objects so it can exit: the tfjs backend (when registered), the device, the
 * adapter and the GPU object. Safe to call at any time; a later probe starts again.
 */
export function releaseWebGpu(): void {
  // removeBackend also leaves the engine without a current backend when it was webgpu: the caller picks one.
  if (tf.engine().registry.webgpu != null || tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  if (device) {
    try {
      device.destroy();
    } catch {
      // already destroyed or lost
    }
  }
  device = null;
  fault = null;
  injection = null;
  probedAdapter = null;
  probedInfo = null;
  gpu = null;
  installNavigatorGpu(undefined);
}
