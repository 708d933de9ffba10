/**
 * Identity for wasm without a copy: the output shares the input's data (reference counted), as the cpu and
 * webgl backends' Identity do and as the wasm backend's own Reshape does. The stock wasm kernel copies the
 * whole tensor, and tfjs runs Identity for every tensor a custom gradient saves and for tf.clone: in a
 * `small` training step that was 142 copies and 5-6% of the step, activations included. Sharing is safe
 * because no wasm kernel writes into its inputs (outputs are always fresh allocations).
 */
import { tf } from '../tf';
import { replaceStockKernel } from './wasm-kernel-composer';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

export function makeIdentityConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return replaceStockKernel(stock, ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return null;
    (backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
}
