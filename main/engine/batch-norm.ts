import { tf } from './tf.ts';

type Kwargs = Record<string, unknown>;
type BatchNormClass = new (args: Record<string, unknown>) => tf.layers.Layer;

// tfjs does not export its BatchNormalization class by name; it is the one registered for deserialisation.
const [TfBatchNormalization] = tf.serialization.SerializationMap.getMap().classNameMap[
  'BatchNormalization'
] as unknown as [BatchNormClass];

/**
 * BatchNormalization as Keras runs it: a frozen one (`trainable` false) normalises with its
 * moving statistics and leaves them alone even in a training step, which tfjs' own does not do
 * (it looks only at the step's `training`). A frozen trunk of a trained model then computes
 * what it computed when it was trained. It serialises as tfjs' own BatchNormalization.
 */
class KerasBatchNormalization extends TfBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return super.call(inputs, this.trainable ? kwargs : { ...kwargs, training: false });
  }
}

export const createBatchNormalization = (config: Record<string, unknown>): tf.layers.Layer =>
  new KerasBatchNormalization(config);
