import { isFrozen } from '../../core/graph/trainable.ts';
import { pythonOutputs } from './labels.ts';
import { formatShape } from '../../core/shape.ts';
import type { LossName, MetricName } from '../../core/tasks/registry.ts';
import type { ExportFiles } from './files.ts';
import { KERAS_DETECTION_NAMES, kerasDetectionPy } from './keras-detection.ts';
import { KERAS_MAP_NAMES, KERAS_MAP_TASKS } from './keras-maps.ts';
import { hdf5Weights, KERAS_WEIGHTS } from './keras-weights.ts';
import { layerClass, layerConfig, paddingSides } from './layer-config.ts';
import { pythonIdentifiers, pythonString, pythonText, reservedNames } from './python-names.ts';
import { PYTHON_BOX_IOU } from './python-tasks.ts';
import type { ExportSource, ModelNode } from './source.ts';
import { trainingSpec } from './training-spec.ts';

/** COCO mAP is over a whole split, not a batch: detect() and pycocotools score it, not compile. */
type SplitMetric = 'mAP50' | 'mAP50_95';
type KerasMetric = Exclude<MetricName, SplitMetric>;
type SpecHead = ReturnType<typeof trainingSpec>['heads'][number];

const KERAS_LOSSES: Record<LossName, (head: SpecHead) => string> = {
  categoricalCrossentropy: () => '"categorical_crossentropy"',
  binaryCrossentropy: () => '"binary_crossentropy"',
  meanSquaredError: () => '"mean_squared_error"',
  meanAbsoluteError: () => '"mean_absolute_error"',
  huber: (h) => `keras.losses.Huber(delta=${h.huberDelta ?? 1})`,
  pixelCrossentropy: (h) =>
    `pixel_crossentropy(${h.classWeights ? `[${h.classWeights.join(', ')}]` : 'None'})`,
  maskedL1: () => 'masked_l1',
  cosineDistance: () => 'cosine_distance',
  centerNet: (h) => `centernet_loss(${h.sizeWeight ?? 0.1}, ${h.offsetWeight ?? 1})`,
};

/** Each metric as model.compile takes it: one entry per metric of every task kind. */
const KERAS_METRICS: Record<KerasMetric, string> = {
  accuracy: '"accuracy"',
  meanIoU: 'mean_iou',
  iou50: 'iou50',
  mae: '"mae"',
  attributeAccuracy: 'keras.metrics.BinaryAccuracy(name="attribute_accuracy")',
  // Keras' own over each batch's samples; the studio's are over the whole split.
  macroF1: 'keras.metrics.F1Score(average="macro", threshold=0.5, name="macro_f1")',
  mAP: 'keras.metrics.AUC(curve="PR", multi_label=True, name="mean_ap")',
  meanClassIoU: 'mean_class_iou',
  pixelAccuracy: 'pixel_accuracy',
  depthAbsError: 'depth_abs_error',
  depthRelError: 'depth_rel_error',
  depthDelta1: 'depth_delta1',
  meanAngle: 'mean_angle',
  medianAngle: 'median_angle',
  within11: 'within_11_25',
  within22: 'within_22_5',
  within30: 'within_30',
};

const kerasMetrics = (h: SpecHead) =>
  h.metrics.flatMap((m) => (m === 'mAP50' || m === 'mAP50_95' ? [] : [KERAS_METRICS[m]]));

/** model.py's own names: a layer variable of one of these would hide it from build_model. */
export const KERAS_RESERVED = reservedNames(
  'h5py keras layers ops tf relu maximum minimum cast TASKS OUTPUTS box_iou mean_iou iou50 build_model load_weights model',
  '_grow_rows upsample_bilinear concat stack reshape transpose softmax matmul reduce_sum Gate CrossStitch',
  KERAS_MAP_NAMES,
  KERAS_DETECTION_NAMES,
);

const pair = (v: readonly number[] | undefined) => `(${(v ?? []).join(', ')})`;

/** The Keras layer a node becomes, with the node id as its name. */
function kerasLayer(node: ModelNode): string {
  const c = layerConfig(node);
  // A frozen node stays frozen in Keras (its layer's own `trainable`, which a BatchNormalization
  // also reads to run in inference mode).
  const name = `name=${pythonString(node.id)}${isFrozen(node) ? ', trainable=False' : ''}`;
  switch (layerClass(node)) {
    case 'InputLayer':
      return `keras.Input(shape=(${node.outputShape.join(', ')}), ${name})`;
    case 'Conv2D':
      return `layers.Conv2D(${c.filters}, ${pair(c.kernelSize)}, strides=${pair(c.strides)}, padding=${pythonString(c.padding ?? 'valid')}, activation=${pythonString(c.activation ?? 'linear')}, use_bias=${c.useBias ? 'True' : 'False'}, ${name})`;
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return `layers.${layerClass(node)}(${pair(c.poolSize)}, strides=${pair(c.strides)}, padding=${pythonString(c.padding ?? 'valid')}, ${name})`;
    case 'BatchNormalization':
      return `layers.BatchNormalization(axis=-1, momentum=${c.momentum}, epsilon=${c.epsilon}, ${name})`;
    case 'Dropout':
      return `layers.Dropout(${c.rate}, ${name})`;
    case 'Flatten':
    case 'GlobalAveragePooling2D':
    case 'Add':
    case 'Multiply':
      return `layers.${layerClass(node)}(${name})`;
    case 'Activation':
      return `layers.Activation(${pythonString(c.activation ?? 'linear')}, ${name})`;
    case 'Concatenate':
      return `layers.Concatenate(axis=${c.axis}, ${name})`;
    case 'DepthwiseConv2D':
      return `layers.DepthwiseConv2D(${pair(c.kernelSize)}, strides=${pair(c.strides)}, padding=${pythonString(c.padding ?? 'valid')}, depth_multiplier=${c.depthMultiplier}, activation=${pythonString(c.activation ?? 'linear')}, use_bias=${c.useBias ? 'True' : 'False'}, ${name})`;
    case 'SeparableConv2D':
      return `layers.SeparableConv2D(${c.filters}, ${pair(c.kernelSize)}, strides=${pair(c.strides)}, padding=${pythonString(c.padding ?? 'valid')}, depth_multiplier=${c.depthMultiplier}, activation=${pythonString(c.activation ?? 'linear')}, use_bias=${c.useBias ? 'True' : 'False'}, ${name})`;
    case 'Conv2DTranspose':
      return `layers.Conv2DTranspose(${c.filters}, ${pair(c.kernelSize)}, strides=${pair(c.strides)}, padding=${pythonString(c.padding ?? 'valid')}, activation=${pythonString(c.activation ?? 'linear')}, use_bias=${c.useBias ? 'True' : 'False'}, ${name})`;
    case 'UpSampling2D':
      return c.interpolation === 'bilinear'
        ? `layers.Lambda(lambda t: upsample_bilinear(t, ${c.size?.[0]}, ${c.size?.[1]}), ${name})`
        : `layers.UpSampling2D(${pair(c.size)}, interpolation="nearest", ${name})`;
    case 'ZeroPadding2D': {
      const [top, bottom, left, right] = paddingSides(node);
      return `layers.ZeroPadding2D(((${top}, ${bottom}), (${left}, ${right})), ${name})`;
    }
    case 'ReLU':
      return `layers.ReLU(${c.maxValue === undefined ? '' : `max_value=${c.maxValue}, `}${name})`;
    case 'LeakyReLU':
      // Positional: Keras 2 names the slope alpha, Keras 3 negative_slope.
      return `layers.LeakyReLU(${c.alpha}, ${name})`;
    case 'Reshape':
      return `layers.Reshape((${(c.targetShape ?? []).join(', ')},), ${name})`;
    case 'Softmax':
      return `layers.Softmax(axis=-1, ${name})`;
    case 'Gate':
      return `Gate(${c.experts}, ${name})`;
    case 'CrossStitch':
      return `CrossStitch(${c.columns}, ${c.selfWeight}, ${name})`;
    case 'Dense':
      return `layers.Dense(${c.units}, activation=${pythonString(c.activation ?? 'linear')}, use_bias=${(c.useBias ?? true) ? 'True' : 'False'}, ${name})`;
  }
}

/**
 * Keras' own bilinear UpSampling2D samples at half-pixel centres; TensorFlow.js (the studio)
 * samples a new row y at y / factor, so model.py enlarges as TensorFlow.js does.
 */
export const KERAS_UPSAMPLE_BILINEAR = `

def _grow_rows(t, factor):
    """Row y * factor + r of the result blends rows y and y + 1 (the last repeated) by r / factor."""
    below = concat([t[:, 1:], t[:, -1:]], 1)
    blended = stack([t * (1 - r / factor) + below * (r / factor) for r in range(factor)], 2)
    return reshape(blended, (-1, t.shape[1] * factor, t.shape[2], t.shape[3]))


def upsample_bilinear(t, height_factor, width_factor):
    """Bilinear enlargement as TensorFlow.js computes it (no half-pixel centres)."""
    t = transpose(_grow_rows(t, height_factor), (0, 2, 1, 3))
    return transpose(_grow_rows(t, width_factor), (0, 2, 1, 3))
`;

/** The layers of the studio's Gate and CrossStitch nodes, which Keras has no class for. */
export const KERAS_MIXING_LAYERS = `

class Gate(layers.Layer):
    """Sum over k of softmax(x W + b)[:, k] times expert k; inputs [x, expert_1, ..., expert_K]."""

    def __init__(self, experts, **kwargs):
        super().__init__(**kwargs)
        self.experts = experts

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[0][-1], self.experts), initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.experts,), initializer="zeros")

    def call(self, inputs):
        experts = stack(list(inputs[1:]), 1)
        weights = softmax(matmul(inputs[0], self.kernel) + self.bias)
        return reduce_sum(experts * reshape(weights, (-1, self.experts) + (1,) * (len(experts.shape) - 2)), 1)

    def get_config(self):
        return {**super().get_config(), "experts": self.experts}


class CrossStitch(layers.Layer):
    """One column of a cross-stitch unit: sum over i of alpha[i] times column i, its own column first."""

    def __init__(self, columns, self_weight, **kwargs):
        super().__init__(**kwargs)
        self.columns, self.self_weight = columns, self_weight

    def build(self, input_shape):
        start = [self.self_weight] + [(1 - self.self_weight) / (self.columns - 1)] * (self.columns - 1)
        self.alpha = self.add_weight(name="alpha", shape=(self.columns,), initializer=lambda shape, dtype=None: cast(start, "float32"))

    def call(self, inputs):
        return sum(self.alpha[i] * column for i, column in enumerate(inputs))

    def get_config(self):
        return {**super().get_config(), "columns": self.columns, "self_weight": self.self_weight}
`;

function modelPy(source: ExportSource): string {
  const detection = source.heads.some((h) => h.targetKind === 'objects');
  const names = pythonIdentifiers(
    source.nodes.map((n) => n.id),
    KERAS_RESERVED,
  );
  const spec = trainingSpec(source);
  const lines = source.nodes.map((node) => {
    const n = names.get(node.id)!;
    const inputs = node.sources.map((s) => names.get(s)!);
    const call =
      node.kind === 'Input'
        ? ''
        : inputs.length > 1
          ? `([${inputs.join(', ')}])`
          : `(${inputs[0]})`;
    return `    ${n} = ${kerasLayer(node)}${call}  # → ${formatShape(node.outputShape)}`;
  });
  const headNames = source.heads.map((h) => names.get(h.nodeId)!);
  const byHead = (f: (h: (typeof spec.heads)[number]) => string) =>
    spec.heads.map((h) => `${pythonString(h.node)}: ${f(h)}`).join(', ');
  const s = spec.settings;
  const optimizer =
    s.optimizer === 'adam'
      ? `keras.optimizers.Adam(learning_rate=${s.learningRate})`
      : `keras.optimizers.${s.optimizer === 'sgd' ? 'SGD' : 'RMSprop'}(learning_rate=${s.learningRate}, momentum=${s.momentum})`;
  return `"""${pythonText(source.graph.name)}: the model with the Keras functional API, exported from Multitask Studio.

Layer names are the node ids of the studio's graph. build_model() returns it compiled with the
studio's objective: one loss per task output (keyed by the head's layer name), the tasks' loss
weights, and per-task metrics. load_weights(model, "${KERAS_WEIGHTS}") puts in the trained weights,
which ${KERAS_WEIGHTS} holds in Keras 2's HDF5 layout (save_weights: a group per layer with
'weight_names', kernels [kh, kw, in, out] and [in, out]). Input: float32 images
[N, ${source.inputShape.join(', ')}] (channels last) with pixels in [0, 1]; outputs in the order ${pythonText(source.heads.map((h) => h.task).join(', '))};
OUTPUTS says what each holds (class names in output order).${
    detection
      ? `
Detection heads output their raw maps; decode(maps, **DETECTION_HEADS[task]) turns them into
boxes, scores and classes as the studio does, and detect(model, images) does so for each head.`
      : ''
  }
"""
import h5py${detection ? '\nimport numpy as np' : ''}

try:
    from tensorflow import keras  # TensorFlow's Keras (2.x, or 3 in TensorFlow 2.16+)
except ImportError:
    import keras  # Keras 3 on another backend
layers = keras.layers
try:
    from keras import ops  # Keras 3
    relu, maximum, minimum, cast = ops.relu, ops.maximum, ops.minimum, ops.cast
    concat, stack, reshape, transpose = ops.concatenate, ops.stack, ops.reshape, ops.transpose
    softmax, matmul, reduce_sum = ops.softmax, ops.matmul, ops.sum
except ImportError:  # Keras 2
    import tensorflow as tf
    relu, maximum, minimum, cast = tf.nn.relu, tf.maximum, tf.minimum, tf.cast
    concat, stack, reshape, transpose = tf.concat, tf.stack, tf.reshape, tf.transpose
    softmax, matmul, reduce_sum = tf.nn.softmax, tf.matmul, tf.reduce_sum

TASKS = {${spec.heads.map((h) => `${pythonString(h.node)}: ${pythonString(h.task)}`).join(', ')}}

${pythonOutputs(source)}


${PYTHON_BOX_IOU}
${KERAS_UPSAMPLE_BILINEAR}${source.nodes.some((n) => n.kind === 'Gate' || n.kind === 'CrossStitch') ? KERAS_MIXING_LAYERS : ''}
${source.heads.some((h) => h.shape.length === 3) ? KERAS_MAP_TASKS : ''}${kerasDetectionPy(source)}


def mean_iou(y_true, y_pred):
    """Mean intersection over union of [xmin, ymin, xmax, ymax] boxes, as the studio reports it."""
    return box_iou(y_true, y_pred)


def iou50(y_true, y_pred):
    """Share of boxes with an intersection over union of at least 0.5."""
    return cast(box_iou(y_true, y_pred) >= 0.5, "float32")


def build_model():
${lines.join('\n')}
    model = keras.Model(inputs=${names.get(source.inputId)}, outputs=[${headNames.join(', ')}], name="multitask")
    model.compile(
        optimizer=${optimizer},
        loss={${byHead((h) => KERAS_LOSSES[h.loss](h))}},
        loss_weights={${byHead((h) => String(h.lossWeight))}},
        metrics={${byHead((h) => `[${kerasMetrics(h).join(', ')}]`)}},
    )
    return model


def load_weights(model, path="${KERAS_WEIGHTS}"):
    """Sets each layer's weights from the file by layer name (any Keras version)."""
    with h5py.File(path, "r") as f:
        for name in f.attrs["layer_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            group = f[name]
            weight_names = [w.decode() if isinstance(w, bytes) else w for w in group.attrs["weight_names"]]
            model.get_layer(name).set_weights([group[w][()] for w in weight_names])
    return model


if __name__ == "__main__":
    load_weights(build_model()).summary()
`;
}

/** Keras: model.py (build_model, load_weights) and weights.h5, with the training settings. */
export async function kerasFiles(source: ExportSource): Promise<ExportFiles> {
  const text = (s: string) => new TextEncoder().encode(s);
  return new Map([
    ['model.py', text(modelPy(source))],
    [KERAS_WEIGHTS, await hdf5Weights(source)],
    ['training.json', text(`${JSON.stringify(trainingSpec(source), null, 2)}\n`)],
  ]);
}
