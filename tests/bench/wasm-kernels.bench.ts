/**
 * Training-step benchmark: wasm with the project's gradient kernels vs the pure-JS cpu backend, on the
 * small CNN of the brief (batch 8 clips x 16 frames = 128 images of 112x112x3; conv3x3 s2 32ch, conv3x3
 * s2 64ch, conv3x3 s2 128ch, each + bias + ReLU; global average pool; dense 7; softmax cross-entropy).
 *
 * Run (no tsx/vite-node here; Vite's module runner does the TypeScript):
 *   node -e "import('vite').then(v => v.runnerImport('./tests/bench/wasm-kernels.bench.ts'))"
 * or through vitest (name the project, or both projects pick the file up and it runs twice):
 *   npx vitest bench --run --project unit tests/bench/wasm-kernels.bench.ts
 * Environment: WASM_STEPS (default 5), CPU_STEPS (default 1; at 8 clips a cpu step takes many minutes),
 * SKIP_CPU=1 to skip the cpu backend, CLIPS (default 8) to scale the batch. Numbers are indicative
 * only: the machine is shared, so CPU time is printed next to wall time.
 */
import { tf } from '../../src-main/engine/tf';
import { formatGradientProbe, probeWasmGradients, registerWasmTrainingKernels } from '../../src-main/engine/wasm';

const clips = Number(process.env.CLIPS ?? 8);
const [frames, size, classes] = [clips * 16, 112, 7];
const wasmSteps = Number(process.env.WASM_STEPS ?? 5);
const cpuSteps = Number(process.env.CPU_STEPS ?? 1);

interface BenchModel {
  variables: tf.Variable[];
  loss: () => tf.Scalar;
  dispose: () => void;
}

function buildModel(): BenchModel {
  const he = (shape: number[], fanIn: number, seed: number) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed));
  const convs = [
    { filter: he([3, 3, 3, 32], 27, 1), bias: tf.variable(tf.zeros([32])) },
    { filter: he([3, 3, 32, 64], 288, 2), bias: tf.variable(tf.zeros([64])) },
    { filter: he([3, 3, 64, 128], 576, 3), bias: tf.variable(tf.zeros([128])) },
  ];
  const dense = he([128, classes], 128, 4);
  const denseBias = tf.variable(tf.zeros([classes]));
  const input = tf.randomUniform([frames, size, size, 3], 0, 1, 'float32', 5);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: frames }, (_, i) => i % classes), 'int32'), classes);
  const loss = () =>
    tf.tidy(() => {
      let h = input as tf.Tensor4D;
      for (const { filter, bias } of convs) h = tf.fused.conv2d({ x: h, filter: filter as tf.Tensor4D, strides: 2, pad: 'same', bias, activation: 'relu' });
      const pooled = tf.mean(h, [1, 2]);
      return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(pooled, dense), denseBias)) as tf.Scalar;
    });
  const variables = [...convs.flatMap((c) => [c.filter, c.bias]), dense, denseBias];
  return { variables, loss, dispose: () => tf.dispose([...variables, input, labels]) };
}

function trainingStep(model: BenchModel, optimizer: tf.Optimizer): number {
  return tf.tidy(() => optimizer.minimize(model.loss, true, model.variables)!.dataSync()[0]);
}

/** Wall-clock and process CPU time per step; on a shared machine the CPU time is the steadier number. */
async function msPerStep(backend: 'wasm' | 'cpu', steps: number): Promise<{ wall: number; cpu: number }> {
  await tf.setBackend(backend);
  const model = buildModel();
  const optimizer = tf.train.sgd(0.01);
  // Warm-up on wasm (XNNPACK operator creation, heap growth); a cpu step takes minutes and has no such cost.
  if (backend === 'wasm') trainingStep(model, optimizer);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < steps; i++) trainingStep(model, optimizer);
  const cpu = process.cpuUsage(cpuStart);
  const result = { wall: (performance.now() - start) / steps, cpu: (cpu.user + cpu.system) / 1000 / steps };
  optimizer.dispose();
  model.dispose();
  return result;
}

async function kernelProfile(): Promise<{ name: string; ms: number; calls: number }[]> {
  await tf.setBackend('wasm');
  const model = buildModel();
  const optimizer = tf.train.sgd(0.01);
  trainingStep(model, optimizer);
  const profile = await tf.profile(() => trainingStep(model, optimizer));
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const kernel of profile.kernels) {
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  optimizer.dispose();
  model.dispose();
  return [...byKernel.entries()].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
}

/** Process CPU milliseconds of one call after a warm-up call (kernel output freed). */
function kernelCpuMs(kernel: tf.KernelConfig, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): number {
  const backend = tf.backend() as unknown as { disposeData(id: object): void };
  const once = () => backend.disposeData((kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo).dataId);
  once();
  const start = process.cpuUsage();
  once();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Our kernels vs the stock ones they replace, on this model's shapes and a transformer's dense layer. */
async function stockComparison(stock: Map<string, tf.KernelConfig>): Promise<string[]> {
  await tf.setBackend('wasm');
  const cases: { kernel: string; label: string; inputs: Record<string, tf.Tensor>; attrs: Record<string, unknown> }[] = [
    ...[
      { inputShape: [frames, 56, 56, 32], filterShape: [3, 3, 32, 64], dyShape: [frames, 28, 28, 64] },
      { inputShape: [frames, 28, 28, 64], filterShape: [3, 3, 64, 128], dyShape: [frames, 14, 14, 128] },
    ].map((l) => ({
      kernel: 'Conv2DBackpropInput',
      label: `dx [${l.inputShape}] from dy [${l.dyShape}]`,
      inputs: { dy: tf.randomNormal(l.dyShape, 0, 1, 'float32', 7), filter: tf.randomNormal(l.filterShape, 0, 1, 'float32', 8) },
      attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: l.inputShape },
    })),
    {
      kernel: 'BatchMatMul',
      label: 'dense dW = x^T dy, x [4096,256], dy [4096,768]',
      inputs: { a: tf.randomNormal([4096, 256]), b: tf.randomNormal([4096, 768]) },
      attrs: { transposeA: true, transposeB: false },
    },
    {
      kernel: 'BatchMatMul',
      label: 'attention A V, [64 heads x 196 x 196] by [64 x 196 x 64]',
      inputs: { a: tf.randomNormal([64, 196, 196]), b: tf.randomNormal([64, 196, 64]) },
      attrs: { transposeA: false, transposeB: false },
    },
    {
      kernel: 'Sum',
      label: `bias gradient, sum of dy [${frames},56,56,32] over [0,1,2]`,
      inputs: { x: tf.randomNormal([frames, 56, 56, 32]) },
      attrs: { axis: [0, 1, 2], keepDims: false },
    },
  ];
  const lines: string[] = [];
  for (const c of cases) {
    const ours = kernelCpuMs(tf.getKernel(c.kernel, 'wasm')!, c.inputs, c.attrs);
    const theirs = kernelCpuMs(stock.get(c.kernel)!, c.inputs, c.attrs);
    lines.push(`  ${c.kernel} ${c.label}: ours ${ours.toFixed(0)} ms, stock ${theirs.toFixed(0)} ms (x${(theirs / ours).toFixed(1)})`);
    tf.dispose(Object.values(c.inputs));
  }
  return lines;
}

/**
 * Per-kernel *CPU* time of one training step (tf.profile's times are wall-clock, which time slicing on a
 * shared machine inflates). Wraps every registered wasm kernel; only top-level dispatches are counted, so
 * kernels our composites call internally are included in the composite's time.
 */
async function kernelCpuProfile(): Promise<{ name: string; ms: number; calls: number }[]> {
  await tf.setBackend('wasm');
  const originals = tf.getKernelsForBackend('wasm');
  const totals = new Map<string, { ms: number; calls: number }>();
  let depth = 0;
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const start = process.cpuUsage();
        depth++;
        try {
          return config.kernelFunc(args);
        } finally {
          depth--;
          if (depth === 0) {
            const used = process.cpuUsage(start);
            const entry = totals.get(config.kernelName) ?? { ms: 0, calls: 0 };
            entry.ms += (used.user + used.system) / 1000;
            entry.calls++;
            totals.set(config.kernelName, entry);
          }
        }
      },
    });
  }
  try {
    const model = buildModel();
    const optimizer = tf.train.sgd(0.01);
    trainingStep(model, optimizer);
    totals.clear();
    trainingStep(model, optimizer);
    optimizer.dispose();
    model.dispose();
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  }
  return [...totals.entries()].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
}

function printKernelTable(title: string, kernels: { name: string; ms: number; calls: number }[]): void {
  const total = kernels.reduce((sum, k) => sum + k.ms, 0);
  console.log(`\n${title} (${total.toFixed(0)} ms in kernels):`);
  for (const k of kernels.slice(0, 12)) console.log(`  ${k.name.padEnd(28)} ${k.ms.toFixed(1).padStart(8)} ms  ${((100 * k.ms) / total).toFixed(1).padStart(5)}%  (${k.calls} calls)`);
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  console.log(`wasm: SIMD ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')}`);
  const probe = await probeWasmGradients();
  console.log(`\nGradient probe, stock tfjs-backend-wasm (${probe.filter((r) => r.ok).length} of ${probe.length} cases already work):`);
  console.log(formatGradientProbe(probe.filter((r) => !r.ok)));
  const stock = new Map(['Conv2DBackpropInput', 'BatchMatMul', 'Sum'].map((name) => [name, tf.getKernel(name, 'wasm')!]));
  console.log(`\nregistered: ${registerWasmTrainingKernels().join(', ')}`);

  console.log(`\nTraining step, ${frames} images of ${size}x${size}x3 (batch ${clips} x 16 frames):`);
  const wasm = await msPerStep('wasm', wasmSteps);
  console.log(`  wasm: ${wasm.wall.toFixed(0)} ms/step wall, ${wasm.cpu.toFixed(0)} ms/step CPU (mean of ${wasmSteps})`);
  if (process.env.SKIP_CPU !== '1') {
    const cpu = await msPerStep('cpu', cpuSteps);
    console.log(`  cpu:  ${cpu.wall.toFixed(0)} ms/step wall, ${cpu.cpu.toFixed(0)} ms/step CPU (mean of ${cpuSteps})`);
    console.log(`  wasm is x${(cpu.wall / wasm.wall).toFixed(1)} faster (wall), x${(cpu.cpu / wasm.cpu).toFixed(1)} (CPU time)`);
  }

  printKernelTable('wasm kernels in one step, tf.profile (wall clock)', await kernelProfile());
  printKernelTable('wasm kernels in one step, process CPU time', await kernelCpuProfile());

  console.log('\nOurs vs the stock kernels they replace (CPU ms of one call):');
  for (const line of await stockComparison(stock)) console.log(line);
}

if (process.env.VITEST) {
  // Under `vitest bench` (which picks up *.bench.ts): one run of the report, not tinybench statistics.
  const { bench } = await import('vitest');
  bench('wasm training kernels report', main, { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
} else {
  await main();
}
