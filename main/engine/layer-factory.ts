import type { LayerSpec } from '../../core/nodes/kind.ts';
import { createBatchNormalization } from './batch-norm.ts';
import { createConv2D } from './conv2d-layer.ts';
import { createDropout } from './dropout.ts';
import { CrossStitchLayer, GateLayer } from './mixing-layers.ts';
import { tf } from './tf.ts';

type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

/** Initialisers are seeded per layer so the same graph and seed start from the same weights. */
const seeded = (config: Config, seed: number): Config => ({
  ...config,
  kernelInitializer: tf.initializers.glorotUniform({ seed }),
});

/**
 * Turns a node's Keras-style layer description into a tfjs layer. Exhaustive over the class
 * names the node kinds produce; an unknown one is a programming error.
 */
export function createLayer(spec: LayerSpec, seed: number): Layer {
  // tfjs' layer factories take loosely typed configs; the node kinds' schemas have checked them.
  const c = spec.config as never;
  switch (spec.className) {
    case 'Conv2D':
      return createConv2D(seeded(spec.config as Config, seed));
    case 'Conv2DTranspose':
      return tf.layers.conv2dTranspose(seeded(spec.config as Config, seed) as never);
    case 'DepthwiseConv2D':
      return tf.layers.depthwiseConv2d({
        ...spec.config,
        depthwiseInitializer: tf.initializers.glorotUniform({ seed }),
      } as never);
    case 'SeparableConv2D':
      return tf.layers.separableConv2d({
        ...spec.config,
        depthwiseInitializer: tf.initializers.glorotUniform({ seed }),
        pointwiseInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      } as never);
    case 'Dense':
      return tf.layers.dense(seeded(spec.config as Config, seed) as never);
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d(c);
    case 'AveragePooling2D':
      return tf.layers.averagePooling2d(c);
    case 'BatchNormalization':
      return createBatchNormalization(spec.config as Config);
    case 'Dropout':
      return createDropout(spec.config as Config, seed);
    case 'Flatten':
      return tf.layers.flatten(c);
    case 'GlobalAveragePooling2D':
      return tf.layers.globalAveragePooling2d(c);
    case 'Activation':
      return tf.layers.activation(c);
    case 'Concatenate':
      return tf.layers.concatenate(c);
    case 'Add':
      return tf.layers.add(c);
    case 'Multiply':
      return tf.layers.multiply(c);
    case 'Gate':
      return new GateLayer({ ...(spec.config as { experts: number; name: string }), seed });
    case 'CrossStitch':
      return new CrossStitchLayer(
        spec.config as { columns: number; selfWeight: number; name: string },
      );
    case 'UpSampling2D':
      return tf.layers.upSampling2d(c);
    case 'ZeroPadding2D':
      return tf.layers.zeroPadding2d(c);
    case 'ReLU':
      return tf.layers.reLU(c);
    case 'LeakyReLU':
      return tf.layers.leakyReLU(c);
    case 'Softmax':
      return tf.layers.softmax(c);
    case 'Reshape':
      return tf.layers.reshape(c);
    default:
      throw new Error(`no tfjs layer for class '${spec.className}'`);
  }
}
