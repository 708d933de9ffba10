/**
 * Which gradients work on the wasm backend, and which kernels are missing for those that do not.
 *
 * Two complementary checks per case:
 * - static: differentiate on `cpu` under `tf.profile` and list every kernel the forward and backward
 *   passes dispatch; the ones with no wasm registration are what wasm lacks (all of them at once, not
 *   just the first one that throws);
 * - dynamic: actually differentiate on wasm and record the error, if any.
 */
import { tf } from '../tf';
import { gradientProbeCases, type GradientProbeCase } from './gradient-probe-cases';

export interface GradientProbeResult {
  name: string;
  /** The gradient ran on wasm and produced finite values. */
  ok: boolean;
  /** Kernels the case dispatches (on cpu) that have no wasm registration. */
  missingKernels: string[];
  /** Every kernel the case dispatches, forward and backward. */
  kernels: string[];
  error?: string;
  /** tfjs-core refuses this gradient on every backend; no kernel can fix it. */
  coreLimitation?: string;
}

/** Deterministic inputs, so a failure reproduces. */
function probeInput(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function gradientsOf(probe: GradientProbeCase): tf.Tensor[] {
  const inputs = probe.inputShapes.map((shape, i) => probeInput(shape, 1000 + i));
  return tf.grads((...xs: tf.Tensor[]) => probe.loss(...xs))(inputs);
}

async function kernelsDispatched(probe: GradientProbeCase): Promise<{ kernels: string[]; error?: string }> {
  try {
    const info = await tf.profile(() => tf.tidy(() => gradientsOf(probe)));
    (info.result as tf.Tensor[]).forEach((t) => t.dispose());
    // `tf.customGrad` ops (logSoftmax, softmaxCrossEntropy) show up as 'name__op': not kernels.
    return { kernels: info.kernelNames.filter((name) => !name.endsWith('__op')).sort() };
  } catch (error) {
    return { kernels: [], error: (error as Error).message };
  }
}

function runsOnWasm(probe: GradientProbeCase): { ok: boolean; error?: string } {
  try {
    const finite = tf.tidy(() => gradientsOf(probe).every((g) => g.isFinite().all().dataSync()[0] === 1));
    return finite ? { ok: true } : { ok: false, error: 'non-finite gradient values' };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Probes every case (by default the model zoo's ops); restores the active backend afterwards. */
export async function probeWasmGradients(cases: GradientProbeCase[] = gradientProbeCases): Promise<GradientProbeResult[]> {
  const previousBackend = tf.getBackend();
  const results: GradientProbeResult[] = [];
  try {
    for (const probe of cases) {
      await tf.setBackend('cpu');
      const onCpu = await kernelsDispatched(probe);
      const missingKernels = onCpu.kernels.filter((name) => tf.getKernel(name, 'wasm') == null);
      await tf.setBackend('wasm');
      const onWasm = runsOnWasm(probe);
      results.push({
        name: probe.name,
        ok: onWasm.ok,
        missingKernels,
        kernels: onCpu.kernels,
        error: onWasm.error ?? onCpu.error,
        // If cpu cannot differentiate it either, the limitation is tfjs-core's, not wasm's.
        coreLimitation: probe.coreLimitation ?? (onCpu.error != null ? `fails on cpu too: ${onCpu.error}` : undefined),
      });
    }
  } finally {
    if (previousBackend != null) await tf.setBackend(previousBackend);
  }
  return results;
}

/** One line per case, for logs and the benchmark's printout. */
export function formatGradientProbe(results: GradientProbeResult[]): string {
  return results
    .map((r) => {
      const status = r.ok ? 'ok  ' : r.coreLimitation != null ? 'core' : 'FAIL';
      const missing = r.missingKernels.length > 0 ? ` missing on wasm: ${r.missingKernels.join(', ')}` : '';
      const why = !r.ok ? ` (${r.coreLimitation ?? r.error})` : '';
      return `${status} ${r.name}${missing}${why}`;
    })
    .join('\n');
}
