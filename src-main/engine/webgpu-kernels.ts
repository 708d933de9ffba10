/**
 * Kernels the workbench registers on the `webgpu` backend, where tfjs-backend-webgpu 4.22's own are wrong.
 *
 * PadV2 of rank 5 or more: its shader indexes the coordinates of the padded tensor with `[i]`, but WGSL has
 * no 5-vector; tfjs declares a struct `vec5`, which cannot be indexed, so the shader fails to compile
 * ("cannot index type 'vec5'"), Dawn reports a validation error, and the output is whatever the buffer
 * held: a 5-D pad in IAL-GCA's backward pass came out wrong, silently. Measured on SwiftShader, IAL-GCA,
 * 2 frames, batch 2: gradients off by a relative 1.0 before; after, every parameter gradient within 9.2e-6
 * (L2-relative) of the cpu backend's.
 *
 * The replacement pads a tensor of rank r > 4 with the stock kernel on at most 4 dimensions at a time,
 * through reshapes (free on webgpu: they share the buffer):
 *   1. the last 3 dimensions: reshape to [d0 * ... * d(r-4), d(r-3), d(r-2), d(r-1)], pad those 3;
 *   2. the first r-3 dimensions: reshape to [d0, ..., d(r-4), D(r-3) * D(r-2) * D(r-1)], pad those (the last,
 *      merged, dimension unpadded), recursively while the rank is still above 4.
 * Merging dimensions a, b into one is exact when b is unpadded: padding a by p adds p whole rows of b.
 */
import { tf } from './tf';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface Backend {
  disposeData(dataId: object): boolean;
}
type KernelFunc = (args: { inputs: Record<string, TensorInfo>; backend: Backend; attrs?: Record<string, unknown> }) => TensorInfo;

const BACKEND = 'webgpu';
let registered: string[] | null = null;

function kernel(name: string): KernelFunc {
  const config = tf.getKernel(name, BACKEND);
  if (!config) throw new Error(`tfjs-backend-webgpu has no ${name} kernel`);
  return config.kernelFunc as unknown as KernelFunc;
}

/** Pads x by `paddings` ([before, after] per dimension) with the stock kernel, any rank. */
function padAnyRank(stockPad: KernelFunc, reshape: KernelFunc, x: TensorInfo, paddings: Array<[number, number]>, constantValue: number, backend: Backend): TensorInfo {
  const rank = x.shape.length;
  if (rank <= 4) return stockPad({ inputs: { x }, backend, attrs: { paddings, constantValue } });
  const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const temps: TensorInfo[] = [];
  try {
    // 1. The last 3 dimensions, with the leading ones merged (unpadded in this step).
    const lead = x.shape.slice(0, rank - 3);
    const tail = x.shape.slice(rank - 3);
    const x4 = reshape({ inputs: { x }, backend, attrs: { shape: [product(lead), ...tail] } });
    temps.push(x4);
    const tailPads = paddings.slice(rank - 3);
    const padded4 = stockPad({ inputs: { x: x4 }, backend, attrs: { paddings: [[0, 0], ...tailPads], constantValue } });
    temps.push(padded4);
    const paddedTail = tail.map((d, i) => d + tailPads[i]![0] + tailPads[i]![1]);
    // 2. The leading dimensions, with the (already padded) last 3 merged into one unpadded dimension.
    const leadPads = paddings.slice(0, rank - 3);
    const merged = reshape({ inputs: { x: padded4 }, backend, attrs: { shape: [...lead, product(paddedTail)] } });
    temps.push(merged);
    const paddedLead = lead.map((d, i) => d + leadPads[i]![0] + leadPads[i]![1]);
    const leadDone = leadPads.every(([a, b]) => a === 0 && b === 0)
      ? merged
      : padAnyRank(stockPad, reshape, merged, [...leadPads, [0, 0]], constantValue, backend);
    if (leadDone !== merged) temps.push(leadDone);
    return reshape({ inputs: { x: leadDone }, backend, attrs: { shape: [...paddedLead, ...paddedTail] } });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/**
 * Registers the workbench's webgpu kernels (idempotent; call once the webgpu backend's kernels exist, i.e.
 * after importing @tensorflow/tfjs-backend-webgpu). Returns the names of the kernels it replaced.
 */
export function registerWebGpuKernels(): string[] {
  if (registered) return registered;
  const stockPad = kernel('PadV2');
  const reshape = kernel('Reshape');
  tf.unregisterKernel('PadV2', BACKEND);
  tf.registerKernel({
    kernelName: 'PadV2',
    backendName: BACKEND,
    kernelFunc: ((args: Parameters<KernelFunc>[0]) => {
      const x = args.inputs.x!;
      const attrs = args.attrs as { paddings: Array<[number, number]>; constantValue: number };
      return padAnyRank(stockPad, reshape, x, attrs.paddings, attrs.constantValue, args.backend);
    }) as unknown as tf.KernelFunc,
  });
  registered = ['PadV2'];
  return registered;
}
