import { MAX_OBJECTS, OBJECT_FIELDS } from '../../core/detection/object-rows.ts';
import { NUMPY_DETECTION_DECODE, pythonDetectionHeads } from './python-detection.ts';
import type { ExportSource } from './source.ts';

/**
 * CenterNet's loss as model.compile takes it, with the studio's definition
 * (main/engine/tasks/centernet.ts): the targets of core/detection/centernet-targets.ts are built
 * inside the graph from the truth rows, since model.fit traces the loss and cannot run JS-style
 * loops over a batch's objects.
 */
const KERAS_CENTERNET_LOSS = String.raw`
def _gaussian_radius(height, width, min_overlap=0.7):
    """CenterNet's radius for a box of height x width cells (its gaussian_radius)."""
    k = keras.ops
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + k.sqrt(b1 ** 2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + k.sqrt(b2 ** 2 - 16 * c2)) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + k.sqrt(b3 ** 2 - 4 * a3 * c3)) / 2
    return k.minimum(k.minimum(r1, r2), r3)


def _centernet_targets(y_true, height, width, classes):
    """Positives, negative weights, sizes and offsets and their mask [N, H, W, ...], as the studio
    builds them from each image's ${MAX_OBJECTS} rows [class, xmin, ymin, xmax, ymax, ignore] (class -1 unused):
    a Gaussian peak per object at its centre cell (the largest where peaks meet), the last object's
    size and offset at a centre two share, and no penalty inside an ignored object's box."""
    k = keras.ops
    rows = k.reshape(k.cast(y_true, "float64"), (-1, ${MAX_OBJECTS}, ${OBJECT_FIELDS}))
    label = k.round(rows[..., 0])
    x0, y0, x1, y1 = rows[..., 1], rows[..., 2], rows[..., 3], rows[..., 4]
    known = k.logical_and(label >= 0, label < classes)
    ignored = k.logical_and(known, rows[..., 5] > 0.5)
    w, h = (x1 - x0) * width, (y1 - y0) * height
    centred = k.logical_and(k.logical_and(known, k.logical_not(ignored)), k.logical_and(w > 0, h > 0))
    cx, cy = (x0 + x1) / 2 * width, (y0 + y1) / 2 * height
    ix, iy = k.clip(k.floor(cx), 0, width - 1), k.clip(k.floor(cy), 0, height - 1)
    radius = k.maximum(k.floor(_gaussian_radius(k.ceil(h), k.ceil(w))), 0)[..., None, None]
    sigma = (2 * radius + 1) / 6
    xs = k.reshape(k.arange(width, dtype="float64"), (1, 1, 1, width))
    ys = k.reshape(k.arange(height, dtype="float64"), (1, 1, height, 1))
    dx, dy = xs - ix[..., None, None], ys - iy[..., None, None]  # [N, objects, H or 1, W or 1]
    near = k.logical_and(k.logical_and(k.abs(dx) <= radius, k.abs(dy) <= radius), centred[..., None, None])
    gauss = k.where(near, k.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)), 0.0)
    centre = k.cast(k.logical_and(near, k.logical_and(k.equal(dx, 0), k.equal(dy, 0))), "float64")
    edge = lambda v, side, size: side(v * size)[..., None, None]  # noqa: E731
    inside = k.logical_and(k.logical_and(xs >= edge(x0, k.floor, width), xs < edge(x1, k.ceil, width)),
                           k.logical_and(ys >= edge(y0, k.floor, height), ys < edge(y1, k.ceil, height)))
    crowd = k.cast(k.logical_and(inside, ignored[..., None, None]), "float64")
    of_class = k.one_hot(k.cast(k.where(known, label, 0), "int32"), classes, dtype="float64") * k.cast(known, "float64")[..., None]
    heat = k.stack([k.max(gauss * of_class[:, :, None, None, c], axis=1) for c in range(classes)], -1)
    positive = k.cast(k.einsum("nkhw,nkc->nhwc", centre, of_class) > 0, "float64")
    skipped = k.logical_or(positive > 0, k.einsum("nkhw,nkc->nhwc", crowd, of_class) > 0)
    negative = k.where(skipped, 0.0, (1 - heat) ** 4)
    order = centre * k.reshape(k.arange(1, ${MAX_OBJECTS + 1}, dtype="float64"), (1, ${MAX_OBJECTS}, 1, 1))
    mask = k.max(centre, axis=1)[..., None]
    last = k.one_hot(k.argmax(order, axis=1), ${MAX_OBJECTS}, dtype="float64") * mask
    sizes = k.stack([w, h, cx - ix, cy - iy], -1)
    regression = k.einsum("nhwk,nkd->nhwd", last, sizes)
    return [k.cast(t, "float32") for t in (positive, negative, regression, mask)]


def centernet_loss(size_weight=0.1, offset_weight=1.0):
    """CenterNet's loss per sample of a detection head, as the studio trains it: the
    penalty-reduced focal loss (alpha 2, beta 4) on the class heatmaps plus size_weight x L1 on
    box sizes and offset_weight x L1 on centre offsets at object centres, summed over the image and
    scaled by batch / centres, so Keras' batch mean is the batch's sums over its number of centres.
    The truth is each image's ${MAX_OBJECTS} rows [class index, xmin, ymin, xmax, ymax, ignore], [N, ${MAX_OBJECTS * OBJECT_FIELDS}]
    or [N, ${MAX_OBJECTS}, ${OBJECT_FIELDS}]: corners as fractions of the image, class -1 in an unused row, ignore 1
    for a crowd or difficult object (no peak, no penalty inside its box)."""
    def loss(y_true, y_pred):
        k = keras.ops
        height, width, channels = y_pred.shape[1:]
        classes = channels - 4
        positive, negative, regression, mask = _centernet_targets(y_true, height, width, classes)
        score = k.clip(k.sigmoid(y_pred[..., :classes]), 1e-4, 1 - 1e-4)
        focal = -k.sum(k.log(score) * (1 - score) ** 2 * positive + k.log(1 - score) * score ** 2 * negative, axis=(1, 2, 3))
        weights = k.convert_to_tensor([size_weight, size_weight, offset_weight, offset_weight], "float32")
        l1 = k.sum(k.abs(y_pred[..., classes:] - regression) * mask * weights, axis=(1, 2, 3))
        centres = k.maximum(k.sum(positive), 1.0)
        return (focal + l1) * k.cast(k.shape(y_pred)[0], "float32") / centres
    return loss
`;

/** The Python names model.py defines for detection heads, kept from layer variables. */
export const KERAS_DETECTION_NAMES =
  'np DETECTION_HEADS decode detect _gaussian_radius _centernet_targets centernet_loss';

/**
 * model.py's part for a graph with detection heads: each head's decoding settings, the numpy
 * `decode()` the ONNX export's postprocess.py has, `detect()` for a model's detections by task,
 * and the loss build_model compiles the head with.
 */
export function kerasDetectionPy(source: ExportSource): string {
  if (!source.heads.some((h) => h.targetKind === 'objects')) return '';
  return `

${pythonDetectionHeads(source)}


${NUMPY_DETECTION_DECODE}


def detect(model, images):
    """Each detection head's detections for images [N, H, W, C] in [0, 1]: task -> decode()'s list."""
    outputs = model.predict(images, verbose=0)
    by_task = {TASKS[name]: o for name, o in zip(model.output_names, outputs if isinstance(outputs, list) else [outputs])}
    return {task: decode(by_task[task], **settings) for task, settings in DETECTION_HEADS.items()}

${KERAS_CENTERNET_LOSS}`;
}
