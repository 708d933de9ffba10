#!/usr/bin/env node
/**
 * `npm run bundle:gpu`: builds the GPU benchmark (tests/bench/gpu.bench.ts) into a folder that runs with plain
 * `node gpu-bench.js` on a machine with no network and no node_modules (a GPU box you copy it to):
 *
 *   out/gpu-bench/
 *     gpu-bench.js            the bench, the engine, tfjs and its backends in one ES module (rolldown)
 *     package.json            {"name": "dfer-workbench"}: app-paths.ts finds resources/ next to it
 *     dist/<platform>/dawn.node   Dawn's Node binding, this platform's only (the webgpu package's index.js,
 *                             bundled, loads it from dist/ beside the bundle)
 *     tfjs-wasm/              tfjs-backend-wasm's Emscripten loaders and .wasm files (CommonJS, own package.json)
 *     resources/wasm/         the workbench's native wasm kernels
 *     gpu-torch.py, torch_reference.py   the PyTorch reference
 *
 *   node scripts/bundle-gpu-bench.mjs [--out DIR] [--platform linux-x64]
 *
 * rolldown (vite's bundler, already in node_modules) bundles. The engine loads a few packages through
 * `createRequire(import.meta.url)` (wasm-threads.ts, webgpu.ts, backend.ts), which no bundler follows; in the
 * bundle `node:module` is replaced, for the engine's files only, by a small module whose createRequire returns
 * the bundled copies of those packages and maps tfjs-backend-wasm's wasm-out/ files to tfjs-wasm/. Anything
 * else it is asked for (tfjs-node-gpu) is looked up next to the bundle, then in $DFER_GPU_BENCH_NODE_MODULES.
 *
 * Prints the bundle's size and the build time; fails when the bundle is over 64 MiB.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'rolldown';

export const BUNDLE_LIMIT_BYTES = 64 * 1024 ** 2;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(repo, 'out', 'gpu-bench') },
    platform: { type: 'string', default: `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}` },
  },
  strict: true,
});
const outDir = path.resolve(opts.out);
const MARKER = '.dfer-gpu-bench';
const started = performance.now();

// Only ever remove a folder this script made (it leaves a marker file in it).
if (existsSync(outDir)) {
  if (readdirSync(outDir).length > 0 && !existsSync(path.join(outDir, MARKER))) {
    throw new Error(`--out ${outDir}: the folder exists and is not a GPU bench bundle; refusing to replace it`);
  }
  rmSync(outDir, { recursive: true, force: true });
}
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, MARKER), 'made by scripts/bundle-gpu-bench.mjs\n');

const SHIM_ID = '\0dfer-bundle-node-module';
const srcMain = path.join(repo, 'src-main') + path.sep;
const shim = `
import * as nodeModule from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfjsBackendWasm from '@tensorflow/tfjs-backend-wasm';
import * as tfjsBackendWebgpu from '@tensorflow/tfjs-backend-webgpu';
const bundled = { '@tensorflow/tfjs-backend-wasm': tfjsBackendWasm, '@tensorflow/tfjs-backend-webgpu': tfjsBackendWebgpu };
const here = path.dirname(fileURLToPath(import.meta.url));
const files = [['@tensorflow/tfjs-backend-wasm/wasm-out/', path.join(here, 'tfjs-wasm')]];
const mapFile = (id) => {
  for (const [prefix, dir] of files) if (id.startsWith(prefix)) return path.join(dir, id.slice(prefix.length));
  return null;
};
export function createRequire(from) {
  const local = nodeModule.createRequire(from);
  const extraDir = process.env.DFER_GPU_BENCH_NODE_MODULES;
  const extra = extraDir ? nodeModule.createRequire(path.join(extraDir, 'gpu-bench.cjs')) : null;
  const req = (id) => {
    if (Object.hasOwn(bundled, id)) return bundled[id];
    const file = mapFile(id);
    if (file) return local(file);
    try {
      return local(id);
    } catch (err) {
      if (extra && err && err.code === 'MODULE_NOT_FOUND') return extra(id);
      throw err;
    }
  };
  req.resolve = (id, o) => mapFile(id) ?? local.resolve(id, o);
  return req;
}
export default { ...nodeModule, createRequire };
`;

const result = await build({
  input: path.join(repo, 'tests', 'bench', 'gpu.bench.ts'),
  platform: 'node',
  logLevel: 'warn',
  resolve: {
    // Node's own choice (package.json "main"): tfjs's Node builds, which register the gradients (engine/tf.ts).
    mainFields: ['main', 'module'],
    conditionNames: ['node', 'require', 'default'],
  },
  plugins: [
    {
      name: 'dfer-bundle-node-module',
      resolveId(source, importer) {
        if ((source === 'node:module' || source === 'module') && importer && importer.startsWith(srcMain)) return SHIM_ID;
        return null;
      },
      load(id) {
        return id === SHIM_ID ? shim : null;
      },
    },
  ],
  output: {
    file: path.join(outDir, 'gpu-bench.js'),
    format: 'esm',
    codeSplitting: false,
    minify: true,
    // The bundle is ESM: give the CommonJS parts of tfjs a require() of their own.
    banner: "import { createRequire as __dferCreateRequire } from 'node:module'; const require = __dferCreateRequire(import.meta.url);",
  },
});
void result;

// The files the bundle reads at run time.
const dawn = path.join(repo, 'node_modules', 'webgpu', 'dist', opts.platform, 'dawn.node');
if (!existsSync(dawn)) throw new Error(`--platform ${opts.platform}: ${dawn} is missing (the webgpu package ships linux-x64, linux-arm64, darwin-universal, win32-x64, win32-arm64)`);
cpSync(path.dirname(dawn), path.join(outDir, 'dist', opts.platform), { recursive: true });
const wasmOut = path.join(repo, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'wasm-out');
mkdirSync(path.join(outDir, 'tfjs-wasm'));
for (const f of readdirSync(wasmOut)) if (/\.(js|wasm)$/.test(f)) cpSync(path.join(wasmOut, f), path.join(outDir, 'tfjs-wasm', f));
// The Emscripten loaders are CommonJS; the bundle's package.json says "module".
writeFileSync(path.join(outDir, 'tfjs-wasm', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
cpSync(path.join(repo, 'resources', 'wasm'), path.join(outDir, 'resources', 'wasm'), { recursive: true });
for (const f of ['gpu-torch.py', 'torch_reference.py']) cpSync(path.join(repo, 'tests', 'bench', f), path.join(outDir, f));
writeFileSync(
  path.join(outDir, 'package.json'),
  JSON.stringify({ name: 'dfer-workbench', private: true, type: 'module', description: 'DFER Workbench GPU benchmark bundle (scripts/bundle-gpu-bench.mjs)' }, null, 2) + '\n',
);

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return total;
}
const bytes = folderBytes(outDir);
const MiB = 1024 ** 2;
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `GPU bench bundle: ${outDir} ${(bytes / MiB).toFixed(1)} MiB (gpu-bench.js ${(statSync(path.join(outDir, 'gpu-bench.js')).size / MiB).toFixed(1)} MiB, ` +
    `dawn.node ${(statSync(path.join(outDir, 'dist', opts.platform, 'dawn.node')).size / MiB).toFixed(1)} MiB), built in ${seconds.toFixed(1)} s\n` +
    `run it: node ${path.relative(process.cwd(), path.join(outDir, 'gpu-bench.js')) || 'gpu-bench.js'}\n`,
);
if (bytes > BUNDLE_LIMIT_BYTES) {
  process.stderr.write(`the bundle is ${(bytes / MiB).toFixed(1)} MiB, over the ${BUNDLE_LIMIT_BYTES / MiB} MiB limit\n`);
  process.exit(1);
}
