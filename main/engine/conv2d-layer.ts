import { tf } from './tf.ts';

type Conv2DClass = new (args: Record<string, unknown>) => tf.layers.Layer;

// tfjs does not export its Conv2D class by name; it is the one registered for deserialisation.
const [TfConv2D] = tf.serialization.SerializationMap.getMap().classNameMap['Conv2D'] as unknown as [
  Conv2DClass,
];

interface ConvFields {
  readonly kernel: { read(): tf.Tensor4D };
  readonly bias: { read(): tf.Tensor1D } | null;
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilationRate: [number, number];
  readonly dataFormat: string;
  readonly activation: { getClassName(): string };
}

/**
 * tfjs runs a Conv2D with no activation (or a linear one) as one fused convolution-plus-bias,
 * whose gradient is a custom gradient that works out the input's gradient as well as the
 * filter's and the bias's, whether or not anything needs it. The first convolution of a model
 * reads the images, whose gradient nobody needs: in the MultiDigits LeNet that wasted input
 * gradient ([64, 28, 28, 1] from 10 filters 5×5) took about as long as the second layer's real one,
 * 6.4 ms against 5.2 (2 threads, fastest of 30). While a gradient is recorded this layer runs the
 * convolution and the bias add as two ops, as tfjs already does for every other activation,
 * so each gradient is worked out only where the step needs it. Inference keeps the fused path; the
 * layer serialises as tfjs' own Conv2D.
 */
class TrainingConv2D extends TfConv2D {
  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    const c = this as unknown as ConvFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const recording = tf.engine().state.gradientDepth > 0;
    if (
      !recording ||
      c.activation.getClassName() !== 'linear' ||
      c.dataFormat !== 'channelsLast' ||
      x?.rank !== 4
    )
      return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const y = tf.conv2d(
        x as tf.Tensor4D,
        c.kernel.read(),
        c.strides,
        c.padding,
        'NHWC',
        c.dilationRate,
      );
      return c.bias === null ? y : tf.add(y, c.bias.read());
    });
  }
}

export function createConv2D(config: Record<string, unknown>): tf.layers.Layer {
  return new TrainingConv2D(config);
}
