/**
 * Face detection under plain Node (CLI, web mode, the desktop app's main process) with face-api's
 * node-wasm build. That build brings no tfjs of its own: it requires `@tensorflow/tfjs` and
 * `@tensorflow/tfjs-backend-wasm`, the same 4.22 packages the engine uses, so it runs on the engine's
 * tfjs instance and backend (wasm here; native TensorFlow or cpu where those are chosen). The detector
 * settings are the Clips view's (face-crop.ts), so an imported clip is cropped as a recorded one is.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { DETECTOR_INPUT_SIZE, DETECTOR_SCORE_THRESHOLD, type Box } from '../../src-shared/face-crop';
import { initBackend, type BackendPreference } from '../engine/backend';
import { tf } from '../engine/tf';

export interface NodeDetection {
  box: Box;
  score: number;
}

export interface NodeFaceDetector {
  readonly backend: string;
  /** The most confident face in a packed RGB image, or null. */
  detect(rgb: Uint8Array, width: number, height: number): Promise<NodeDetection | null>;
}

interface FaceApiNode {
  tf: { engine(): unknown };
  nets: { tinyFaceDetector: { loadFromDisk(dir: string): Promise<void> } };
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectSingleFace(input: unknown, options: unknown): Promise<{ box: Box; score: number } | undefined>;
}

const requireCjs = createRequire(import.meta.url);
let loading: Promise<NodeFaceDetector> | null = null;

async function load(preference: BackendPreference): Promise<NodeFaceDetector> {
  // The backend first: face-api creates its weight tensors on whichever backend is active.
  const backend = await initBackend(preference);
  const faceapi = requireCjs('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiNode;
  if (faceapi.tf.engine() !== tf.engine()) {
    throw new Error('face-api loaded a second copy of @tensorflow/tfjs; reinstall so that both resolve to the same 4.22 package');
  }
  const modelDir = path.join(path.dirname(requireCjs.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: DETECTOR_INPUT_SIZE, scoreThreshold: DETECTOR_SCORE_THRESHOLD });
  return {
    backend: backend.selected,
    async detect(rgb, width, height) {
      const image = tf.tensor3d(rgb, [height, width, 3], 'int32');
      try {
        const found = await faceapi.detectSingleFace(image, options);
        if (!found) return null;
        const { x, y, width: w, height: h } = found.box;
        return { box: { x, y, width: w, height: h }, score: found.score };
      } finally {
        image.dispose();
      }
    },
  };
}

/** The shared detector, loaded once per process. */
export function loadNodeFaceDetector(preference: BackendPreference = 'auto'): Promise<NodeFaceDetector> {
  if (!loading) {
    loading = load(preference);
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
