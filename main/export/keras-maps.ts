/**
 * model.py's losses and metrics of map heads (masks, depth, normals), with the studio's
 * definitions (main/engine/tasks/losses.ts). They use Keras 3's `keras.ops`; Keras' metrics are
 * means over batches, where the studio's are over the whole split (mean IoU, the median angle).
 */
export const KERAS_MAP_TASKS = String.raw`
def pixel_crossentropy(class_weights=None):
    """Per-pixel cross-entropy of a softmax [N, H, W, C] against a class per pixel [N, H*W];
    each sample's weighted mean over its pixels that are not 255 (ignored)."""
    def loss(y_true, y_pred):
        k = keras.ops
        classes = y_pred.shape[-1]
        labels = k.reshape(k.cast(y_true, "float32"), (k.shape(y_true)[0], -1))
        valid = k.cast(k.logical_and(k.not_equal(labels, 255), k.less(labels, classes)), "float32")
        index = k.cast(labels * valid, "int32")
        log_p = k.log(k.clip(k.reshape(y_pred, (k.shape(y_pred)[0], -1, classes)), 1e-7, 1 - 1e-7))
        cross_entropy = -k.sum(k.one_hot(index, classes) * log_p, axis=-1)
        w = valid if class_weights is None else k.take(k.convert_to_tensor(class_weights, "float32"), index) * valid
        return k.sum(cross_entropy * w, axis=-1) / k.maximum(k.sum(w, axis=-1), 1e-12)
    return loss


def masked_l1(y_true, y_pred):
    """L1 per sample over the pixels with a depth (truth > 0)."""
    k = keras.ops
    t = k.reshape(k.cast(y_true, "float32"), (k.shape(y_true)[0], -1))
    q = k.reshape(y_pred, (k.shape(y_pred)[0], -1))
    valid = k.cast(t > 0, "float32")
    return k.sum(k.abs(t - q) * valid, axis=-1) / k.maximum(k.sum(valid, axis=-1), 1e-12)


def cosine_distance(y_true, y_pred):
    """1 - cosine per sample between the unit prediction and the normal, over pixels with one."""
    k = keras.ops
    t = k.reshape(k.cast(y_true, "float32"), (k.shape(y_true)[0], -1, 3))
    q = k.reshape(y_pred, (k.shape(y_pred)[0], -1, 3))
    true_length = k.sqrt(k.sum(t * t, axis=-1))
    valid = k.cast(true_length > 0, "float32")
    cosine = k.sum(t * q, axis=-1) / (k.maximum(true_length, 1e-12) * k.sqrt(k.sum(q * q, axis=-1) + 1e-12))
    return k.sum((1 - cosine) * valid, axis=-1) / k.maximum(k.sum(valid, axis=-1), 1e-12)


def _confusion(y_true, y_pred):
    k = keras.ops
    classes = y_pred.shape[-1]
    labels = k.reshape(k.cast(y_true, "float32"), (-1,))
    valid = k.cast(k.logical_and(k.not_equal(labels, 255), k.less(labels, classes)), "float32")
    truth = k.one_hot(k.cast(labels * valid, "int32"), classes) * valid[:, None]
    said = k.one_hot(k.argmax(k.reshape(y_pred, (-1, classes)), axis=-1), classes)
    return k.matmul(k.transpose(truth), said)


def mean_class_iou(y_true, y_pred):
    k = keras.ops
    confusion = _confusion(y_true, y_pred)
    hit = k.diagonal(confusion)
    union = k.sum(confusion, axis=0) + k.sum(confusion, axis=1) - hit
    present = k.cast(union > 0, "float32")
    return k.sum(present * hit / k.maximum(union, 1)) / k.maximum(k.sum(present), 1)


def pixel_accuracy(y_true, y_pred):
    k = keras.ops
    confusion = _confusion(y_true, y_pred)
    return k.sum(k.diagonal(confusion)) / k.maximum(k.sum(confusion), 1)


def _depth_mean(value):
    def metric(y_true, y_pred):
        k = keras.ops
        t = k.reshape(k.cast(y_true, "float32"), (-1,))
        q = k.reshape(y_pred, (-1,))
        valid = k.cast(t > 0, "float32")
        return k.sum(value(k, k.maximum(t, 1e-12), q) * valid) / k.maximum(k.sum(valid), 1)
    return metric


depth_abs_error = _depth_mean(lambda k, t, q: k.abs(q - t))
depth_rel_error = _depth_mean(lambda k, t, q: k.abs(q - t) / t)
depth_delta1 = _depth_mean(lambda k, t, q: k.cast(k.logical_and(q > 0, k.maximum(q / t, t / k.maximum(q, 1e-12)) < 1.25), "float32"))


def _angles(k, y_true, y_pred):
    t = k.reshape(k.cast(y_true, "float32"), (-1, 3))
    q = k.reshape(y_pred, (-1, 3))
    true_length = k.sqrt(k.sum(t * t, axis=-1))
    lengths = true_length * k.sqrt(k.sum(q * q, axis=-1))
    cosine = k.where(lengths > 0, k.sum(t * q, axis=-1) / k.maximum(lengths, 1e-12), 0.0)
    return k.arccos(k.clip(cosine, -1, 1)) * 180 / 3.141592653589793, k.cast(true_length > 0, "float32")


def _angle_mean(value):
    def metric(y_true, y_pred):
        k = keras.ops
        angles, valid = _angles(k, y_true, y_pred)
        return k.sum(value(k, angles) * valid) / k.maximum(k.sum(valid), 1)
    return metric


mean_angle = _angle_mean(lambda k, a: a)
within_11_25 = _angle_mean(lambda k, a: k.cast(a < 11.25, "float32"))
within_22_5 = _angle_mean(lambda k, a: k.cast(a < 22.5, "float32"))
within_30 = _angle_mean(lambda k, a: k.cast(a < 30, "float32"))


def median_angle(y_true, y_pred):
    """The batch's median angle error over pixels with a normal (Keras averages it over batches)."""
    k = keras.ops
    angles, valid = _angles(k, y_true, y_pred)
    ranked = k.sort(k.where(valid > 0, angles, 1e9))
    count = k.cast(k.sum(valid), "int32")
    return k.take(ranked, k.maximum((count + 1) // 2 - 1, 0))
`;

/** The Python names model.py defines for map heads, kept from layer variables. */
export const KERAS_MAP_NAMES =
  'pixel_crossentropy masked_l1 cosine_distance _confusion mean_class_iou pixel_accuracy _depth_mean depth_abs_error depth_rel_error depth_delta1 _angles _angle_mean mean_angle within_11_25 within_22_5 within_30 median_angle';
