import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { ExportSource } from './source.ts';

export const KERAS_WEIGHTS = 'weights.h5';

/** Keras' order of a layer's weights (what get_weights returns and save_weights writes). */
const WEIGHT_ORDER = [
  'kernel',
  'depthwise_kernel',
  'pointwise_kernel',
  'bias',
  'gamma',
  'beta',
  'moving_mean',
  'moving_variance',
  'alpha',
];

/**
 * The trained weights in Keras 2's HDF5 layout (Model.save_weights to '.h5'): root attributes
 * layer_names, backend and keras_version; per layer with weights a group with the attribute
 * weight_names ('<layer>/kernel:0', …) and each weight at '<layer>/<layer>/kernel:0'. Layers
 * without weights are left out, as Keras' loader skips them. Values are Keras' own layout.
 */
export async function hdf5Weights(source: ExportSource): Promise<Uint8Array> {
  await h5wasm.ready;
  const dir = await mkdtemp(join(tmpdir(), 'mts-h5-'));
  const path = join(dir, KERAS_WEIGHTS);
  try {
    const file = new h5wasm.File(path, 'w');
    try {
      const withWeights = source.nodes.filter((n) => n.weights.size > 0);
      file.create_attribute('backend', 'tensorflow');
      file.create_attribute('keras_version', '2.15.0');
      file.create_attribute(
        'layer_names',
        withWeights.map((n) => n.id),
      );
      for (const node of withWeights) {
        const group = file.create_group(node.id);
        const names = WEIGHT_ORDER.filter((w) => node.weights.has(w));
        group.create_attribute(
          'weight_names',
          names.map((w) => `${node.id}/${w}:0`),
        );
        const inner = group.create_group(node.id);
        for (const name of names) {
          const weight = node.weights.get(name)!;
          inner.create_dataset({
            name: `${name}:0`,
            data: weight.values,
            shape: [...weight.shape],
            dtype: '<f',
          });
        }
      }
    } finally {
      file.close();
    }
    return new Uint8Array(await readFile(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
