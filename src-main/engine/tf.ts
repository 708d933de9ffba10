/**
 * The one place the engine imports TensorFlow.js from.
 *
 * `@tensorflow/tfjs` (not `tfjs-core` alone) because only the union package's Node bundle registers the
 * gradient functions; `tfjs-core`'s CommonJS build has none, so `tf.grad` would fail under plain Node.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

// PROD silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js"); the
// workbench reports the backend choice itself, with reasons (see backend.ts).
tf.env().set('PROD', true);

export { tf };
export type Tensor = import('@tensorflow/tfjs').Tensor;
