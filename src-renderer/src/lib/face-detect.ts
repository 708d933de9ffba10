/**
 * Face detection in the renderer with face-api's tiny face detector, entirely offline: its weights and
 * the WebAssembly binaries of its tfjs backend ship with the app under `models/` (electron.vite.config.ts)
 * and are fetched from the app's own origin. face-api (with its own bundled tfjs) is loaded on first use
 * only, so other views never pay for it.
 */
import { DETECTOR_INPUT_SIZE, DETECTOR_SCORE_THRESHOLD, type Box } from '../../../src-shared/face-crop';

export interface Detection {
  box: Box;
  score: number;
}

export interface FaceDetector {
  /** The tfjs backend face-api runs on here ('wasm', else 'cpu'). */
  readonly backend: string;
  /** The most confident face in the image, or null. */
  detect(input: HTMLCanvasElement | HTMLVideoElement): Promise<Detection | null>;
}

/** The part of face-api's bundled tfjs the detector set-up needs (its type declarations omit these). */
interface BundledTf {
  setWasmPaths(prefix: string): void;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
}

let loading: Promise<FaceDetector> | null = null;

async function load(): Promise<FaceDetector> {
  const faceapi = await import('@vladmandic/face-api');
  const tf = faceapi.tf as unknown as BundledTf;
  const base = new URL('models/', document.baseURI);
  tf.setWasmPaths(new URL('tfjs-wasm/', base).href);
  let backend = 'wasm';
  const wasmOk = await tf.setBackend('wasm').catch(() => false);
  if (!wasmOk) {
    backend = 'cpu';
    await tf.setBackend('cpu');
  }
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromUri(new URL('face-api/', base).href);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: DETECTOR_INPUT_SIZE, scoreThreshold: DETECTOR_SCORE_THRESHOLD });
  return {
    backend: tf.getBackend() || backend,
    async detect(input) {
      const found = await faceapi.detectSingleFace(input, options);
      if (!found) return null;
      const { x, y, width, height } = found.box;
      return { box: { x, y, width, height }, score: found.score };
    },
  };
}

/** The shared detector, loaded once; a failed load is retried on the next call. */
export function loadFaceDetector(): Promise<FaceDetector> {
  if (!loading) {
    loading = load();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
