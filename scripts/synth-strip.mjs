#!/usr/bin/env node
/**
 * Regenerates the README's sample frame strip (docs/images/synth-strip.png) from the synthetic data
 * generator's source, without a build: `node scripts/synth-strip.mjs [out.png] [frameSize]`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'images', 'synth-strip.png'));
const frameSize = Number(process.argv[3] ?? 112);
const { module: synth } = await runnerImport(path.join(root, 'src-main', 'data', 'synth', 'index.ts'), {
  root,
  configFile: false,
  logLevel: 'error',
});
await synth.writeSampleStrip(out, { frameSize });
console.log(`wrote ${out}`);
