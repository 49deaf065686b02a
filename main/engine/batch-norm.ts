import { tf } from './tf.ts';
import { BATCH_NORM_GRAD } from './wasm/kernels/batch-norm-grad.ts';

type Kwargs = Record<string, unknown>;
type BatchNormClass = new (args: Record<string, unknown>) => tf.layers.Layer;

// tfjs does not export its BatchNormalization class by name; it is the one registered for deserialisation.
const [TfBatchNormalization] = tf.serialization.SerializationMap.getMap().classNameMap[
  'BatchNormalization'
] as unknown as [BatchNormClass];

/** The parts of tfjs' layer that its training step reads (a LayerVariable reads and writes). */
interface LayerVariable {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: LayerVariable;
  beta?: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

/**
 * tfjs' training step with the gradient as one kernel of the backend's (the engine's
 * `MtsBatchNormGrad`, wasm/kernels/batch-norm-grad.ts) instead of the stock chain through
 * FusedBatchNorm and the moments. The forward pass is the stock one, op for op: the batch moments,
 * tf.batchNorm with them, and the moving averages as tfjs-layers updates them.
 */
function trainingStep(layer: BatchNormInternals, input: tf.Tensor): tf.Tensor {
  const gamma = layer.gamma as LayerVariable;
  const beta = layer.beta as LayerVariable;
  const epsilon = layer.epsilon;
  const axes = [...Array(input.rank - 1).keys()];
  let stats: { mean: tf.Tensor; variance: tf.Tensor } | undefined;
  const forward = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(x, axes);
    // Out of customGrad's own tidy, for the moving averages below.
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    save([x, mean, variance, scale]);
    return {
      value: tf.batchNorm(x, mean, variance, offset, scale, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sMean, sVariance, sScale] = saved as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        return tf
          .engine()
          .runKernel(
            BATCH_NORM_GRAD,
            { x: sx, dy, mean: sMean, variance: sVariance, scale: sScale },
            { varianceEpsilon: epsilon },
          ) as tf.Tensor[];
      },
    };
  };
  const normalize = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  // Named for tf.profile, which lists the forward pass under its scope's name (its Mean, Square
  // and FusedBatchNorm kernels are listed too, so a profile's sum counts them twice).
  const normed = tf.tidy('BatchNormalization forward', () =>
    normalize(input, gamma.read(), beta.read()),
  );
  try {
    const moving = (variable: LayerVariable, value: tf.Tensor, momentum: number) =>
      tf.tidy(() => {
        const origValue = variable.read();
        variable.write(tf.sub(origValue, tf.mul(tf.sub(origValue, value), 1 - momentum)));
      });
    if (stats !== undefined) {
      moving(layer.movingMean, stats.mean, layer.momentum);
      moving(layer.movingVariance, stats.variance, layer.momentum);
    }
  } finally {
    if (stats !== undefined) tf.dispose([stats.mean, stats.variance]);
  }
  return normed;
}

/**
 * BatchNormalization as Keras runs it: a frozen one (`trainable` false) normalises with its
 * moving statistics and leaves them alone even in a training step, which tfjs' own does not do
 * (it looks only at the step's `training`). A frozen trunk of a trained model then computes
 * what it computed when it was trained. It serialises as tfjs' own BatchNormalization. Where the
 * backend has the engine's gradient kernel (WebAssembly) and the statistics are per last axis, a
 * training step differentiates through that one kernel; elsewhere tfjs' own step runs.
 */
class KerasBatchNormalization extends TfBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const args = this.trainable ? kwargs : { ...kwargs, training: false };
    const input = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    const self = this as unknown as BatchNormInternals;
    if (
      args['training'] === true &&
      input !== undefined &&
      input.dtype === 'float32' &&
      input.rank >= 2 &&
      input.rank <= 4 &&
      (self.axis === -1 || self.axis === input.rank - 1) &&
      self.gamma !== undefined &&
      self.beta !== undefined &&
      tf.getKernel(BATCH_NORM_GRAD, tf.getBackend()) !== undefined
    ) {
      return tf.tidy(() => trainingStep(self, input));
    }
    return super.call(inputs, args);
  }
}

export const createBatchNormalization = (config: Record<string, unknown>): tf.layers.Layer =>
  new KerasBatchNormalization(config);
