import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';

/**
 * Face detection in the Clips view runs offline: the tiny face detector's weights (face-api) and the
 * WebAssembly binaries of its tfjs backend ship with the renderer under `models/`, served from the app's
 * own origin (the CSP allows same-origin fetch and 'wasm-unsafe-eval' only).
 */
function faceDetectorAssets(): Plugin {
  const files: Record<string, string> = {
    'models/face-api/tiny_face_detector_model-weights_manifest.json': 'node_modules/@vladmandic/face-api/model/tiny_face_detector_model-weights_manifest.json',
    'models/face-api/tiny_face_detector_model.bin': 'node_modules/@vladmandic/face-api/model/tiny_face_detector_model.bin',
    'models/tfjs-wasm/tfjs-backend-wasm.wasm': 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    'models/tfjs-wasm/tfjs-backend-wasm-simd.wasm': 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  };
  return {
    name: 'dfer-face-detector-assets',
    generateBundle() {
      for (const [fileName, from] of Object.entries(files)) this.emitFile({ type: 'asset', fileName, source: readFileSync(resolve(__dirname, from)) });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const from = files[(req.url ?? '').split('?')[0]!.replace(/^\/+/, '')];
        if (!from) return next();
        res.end(readFileSync(resolve(__dirname, from)));
      });
    },
  };
}

// electron-vite's defaults are src/main, src/preload, src/renderer; this project keeps everything that
// runs in Node under src-main/ (see README "Architecture"), so every entry is explicit.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          // Electron's main process.
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          // The `dfer` command (bin/dfer.mjs loads it): CLI, web mode, headless training.
          cli: resolve(__dirname, 'src-main/cli.ts'),
          // A training process (utilityProcess in the app, child_process.fork in web mode).
          worker: resolve(__dirname, 'src-main/engine/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require node_modules: bundle everything it uses, as CommonJS.
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rolldownOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
    plugins: [svelte({ configFile: resolve(__dirname, 'svelte.config.js') }), faceDetectorAssets()],
  },
});
