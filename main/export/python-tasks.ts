import { PYTHON_DETECTION_DECODE, PYTHON_DETECTION_TRAIN } from './python-detection.ts';
import type { LossName, MetricName, TaskKind } from '../../core/tasks/registry.ts';

/**
 * The Python that the exported projects need per task kind, loss and metric, as tables that fail
 * to compile when a kind, loss or metric is missing. Keras' model.py and PyTorch's train.py take
 * their fragments from here, so each definition is written once per language.
 */

/**
 * Intersection over union of [xmin, ymin, xmax, ymax] boxes per row, as core/tasks/box-iou.ts
 * defines it. Written with `relu`, `maximum` and `minimum`, which each file binds to its
 * framework's (Keras ops, torch).
 */
export const PYTHON_BOX_IOU = `def box_iou(a, b):
    """Intersection over union per row of [xmin, ymin, xmax, ymax] boxes; an inverted box has no area."""
    def area(x0, y0, x1, y1):
        return relu(x1 - x0) * relu(y1 - y0)
    inter = area(maximum(a[:, 0], b[:, 0]), maximum(a[:, 1], b[:, 1]),
                 minimum(a[:, 2], b[:, 2]), minimum(a[:, 3], b[:, 3]))
    union = area(a[:, 0], a[:, 1], a[:, 2], a[:, 3]) + area(b[:, 0], b[:, 1], b[:, 2], b[:, 3]) - inter
    return inter / maximum(union, 1e-7)`;

/**
 * train.py: a target's tensor [N, ...layout] from the CSV rows (dicts) and the target's entry of
 * targets.json, in the columns the dataset export writes (main/datasets/target-columns.ts).
 */
const TARGET_READERS: Record<TaskKind, string> = {
  class:
    'lambda target, rows, folder: torch.nn.functional.one_hot(torch.tensor([target["classes"].index(r[target["name"]]) for r in rows]), len(target["classes"])).float()',
  attributes:
    'lambda target, rows, folder: torch.tensor([[float(r[c]) for c in target["attributes"]] for r in rows])',
  box: 'lambda target, rows, folder: torch.tensor([[float(r[c]) for c in ("xmin", "ymin", "xmax", "ymax")] for r in rows])',
  numeric:
    'lambda target, rows, folder: torch.tensor([[float(r[c]) for c in target["columns"]] for r in rows])',
  // A map is a file per sample (a mask's palette PNG, else a .npy), its path in the target's
  // column; a mask's truth is a class per pixel, flat, as the studio's batches hold it.
  mask: 'lambda target, rows, folder: read_maps(target, rows, folder).reshape(len(rows), -1)',
  depth: 'read_maps',
  normals: 'read_maps',
  objects: 'lambda target, rows, folder: objects_rows(target, rows)',
};

/** train.py: each loss per sample, with Keras' definitions (mean over a sample's outputs). */
const LOSSES: Record<LossName, string> = {
  categoricalCrossentropy: 'lambda head, y, p: -(y * p.clamp(EPSILON, 1 - EPSILON).log()).sum(-1)',
  binaryCrossentropy:
    'lambda head, y, p: -(y * p.clamp(EPSILON, 1 - EPSILON).log() + (1 - y) * (1 - p.clamp(EPSILON, 1 - EPSILON)).log()).mean(-1)',
  meanSquaredError: 'lambda head, y, p: ((y - p) ** 2).mean(-1)',
  meanAbsoluteError: 'lambda head, y, p: (y - p).abs().mean(-1)',
  huber: 'huber',
  centerNet: 'centernet_loss',
  pixelCrossentropy: 'pixel_crossentropy',
  maskedL1: 'masked_l1',
  cosineDistance: 'cosine_distance',
};

/** train.py: each metric over a whole split, from its truth and predictions [N, ...]. */
const METRICS: Record<MetricName, string> = {
  accuracy: 'lambda y, p: (y.argmax(-1) == p.argmax(-1)).double().mean()',
  meanIoU: 'lambda y, p: box_iou(y, p).double().mean()',
  iou50: 'lambda y, p: (box_iou(y, p) >= 0.5).double().mean()',
  mae: 'lambda y, p: (y - p).abs().double().mean()',
  attributeAccuracy: 'lambda y, p: ((y >= 0.5) == (p >= 0.5)).double().mean()',
  macroF1: 'macro_f1',
  mAP: 'mean_average_precision',
  mAP50: 'lambda y, p: coco_map(y, p, 1)',
  mAP50_95: 'lambda y, p: coco_map(y, p, 0)',
  meanClassIoU: 'mean_class_iou',
  pixelAccuracy: 'pixel_accuracy',
  depthAbsError: 'lambda y, p: (lambda t, q: (q - t).abs().mean())(*depth_pairs(y, p))',
  depthRelError: 'lambda y, p: (lambda t, q: ((q - t).abs() / t).mean())(*depth_pairs(y, p))',
  depthDelta1: 'depth_delta1',
  meanAngle: 'lambda y, p: angle_errors(y, p).mean()',
  medianAngle: 'median_angle',
  within11: 'lambda y, p: (angle_errors(y, p) < 11.25).double().mean()',
  within22: 'lambda y, p: (angle_errors(y, p) < 22.5).double().mean()',
  within30: 'lambda y, p: (angle_errors(y, p) < 30).double().mean()',
};

const table = (name: string, entries: Record<string, string>) =>
  `${name} = {\n${Object.entries(entries)
    .map(([k, v]) => `    "${k}": ${v},`)
    .join('\n')}\n}`;

/**
 * train.py's map tasks (masks, depth, normals), with the studio's definitions: per-sample losses
 * over the pixels that count, metrics over every pixel of the split (core/tasks/map-metrics.ts).
 * Outputs are channels-last, [N, H, W, C], as the model returns them.
 */
const PYTHON_MAP_TASKS = String.raw`IGNORE_CLASS = 255


def read_map(path):
    """A mask's palette PNG (its indices, not its colours) or a .npy array."""
    return np.asarray(Image.open(path)) if path.lower().endswith(".png") else np.load(path)


def read_maps(target, rows, folder):
    """A map target's files, one per row, stacked: [N, H, W] or [N, H, W, C]."""
    return torch.from_numpy(np.stack([read_map(os.path.join(folder, r[target["name"]])) for r in rows]).astype(np.float32))


def pixel_crossentropy(head, y, p):
    """Per-pixel cross-entropy of a softmax [N, H, W, C] against a class per pixel [N, H*W]:
    each sample's weighted mean over its pixels that are not ignored (0 when none counts)."""
    classes = p.shape[-1]
    labels = y.reshape(len(y), -1)
    valid = ((labels != IGNORE_CLASS) & (labels < classes)).to(p.dtype)
    index = (labels * valid).long()
    log_p = p.reshape(len(p), -1, classes).clamp(EPSILON, 1 - EPSILON).log()
    cross_entropy = -log_p.gather(-1, index.unsqueeze(-1)).squeeze(-1)
    weights = head.get("classWeights")
    w = valid if not weights else torch.tensor(weights, dtype=p.dtype, device=p.device)[index] * valid
    return (cross_entropy * w).sum(-1) / w.sum(-1).clamp(min=1e-12)


def masked_l1(head, y, p):
    """L1 per sample over the pixels with a depth (truth > 0)."""
    t, q = y.reshape(len(y), -1), p.reshape(len(p), -1)
    valid = (t > 0).to(p.dtype)
    return ((t - q).abs() * valid).sum(-1) / valid.sum(-1).clamp(min=1e-12)


def cosine_distance(head, y, p):
    """1 - cosine per sample between the unit prediction and the normal, over pixels with one."""
    t, q = y.reshape(len(y), -1, 3), p.reshape(len(p), -1, 3)
    true_length = t.norm(dim=-1)
    valid = (true_length > 0).to(p.dtype)
    cosine = (t * q).sum(-1) / (true_length.clamp(min=1e-12) * ((q ** 2).sum(-1) + 1e-12).sqrt())
    return ((1 - cosine) * valid).sum(-1) / valid.sum(-1).clamp(min=1e-12)


def mask_confusion(y, p):
    """The split's confusion matrix (row: true class, column: predicted), ignored pixels left out."""
    classes = p.shape[-1]
    truth = y.reshape(-1).long()
    predicted = p.reshape(-1, classes).argmax(-1)
    keep = (truth >= 0) & (truth < classes) & (truth != IGNORE_CLASS)
    counts = torch.bincount(truth[keep] * classes + predicted[keep], minlength=classes * classes)
    return counts.reshape(classes, classes).double()


def class_ious(confusion):
    """Each class's IoU; NaN for a class neither present nor predicted."""
    hit = confusion.diagonal()
    union = confusion.sum(0) + confusion.sum(1) - hit
    return torch.where(union > 0, hit / union.clamp(min=1), torch.full_like(hit, float("nan")))


def mean_class_iou(y, p):
    return class_ious(mask_confusion(y, p)).nanmean()


def pixel_accuracy(y, p):
    confusion = mask_confusion(y, p)
    return confusion.diagonal().sum() / confusion.sum()


def depth_pairs(y, p):
    """Truth and prediction at the pixels with a depth."""
    t, q = y.reshape(-1).double(), p.reshape(-1).double()
    return t[t > 0], q[t > 0]


def depth_delta1(y, p):
    t, q = depth_pairs(y, p)
    ratio = torch.where(q > 0, torch.maximum(q / t, t / q.clamp(min=1e-300)), torch.full_like(q, float("inf")))
    return (ratio < 1.25).double().mean()


def angle_errors(y, p):
    """Degrees between each true normal and the prediction at its pixel (a zero prediction is 90°)."""
    t, q = y.reshape(-1, 3).double(), p.reshape(-1, 3).double()
    keep = t.norm(dim=-1) > 0
    t, q = t[keep], q[keep]
    lengths = t.norm(dim=-1) * q.norm(dim=-1)
    cosine = torch.where(lengths > 0, (t * q).sum(-1) / lengths.clamp(min=1e-300), torch.zeros_like(lengths))
    return torch.rad2deg(torch.arccos(cosine.clamp(-1, 1)))


def median_angle(y, p):
    """The lower median of the angle errors, to 1/100 of a degree, as the studio's histogram gives it."""
    bins = (angle_errors(y, p) * 100).floor().clamp(max=180 * 100 - 1)
    if len(bins) == 0:
        return torch.tensor(float("nan"), dtype=torch.float64)
    return (bins.sort().values[(len(bins) + 1) // 2 - 1] + 0.5) / 100`;

/** The Python of train.py that knows tasks: helpers, then the tables keyed as training.json is. */
export const TRAIN_TASKS_PY = `def relu(x):
    return x.clamp(min=0)


def maximum(a, b):
    return torch.maximum(a, torch.as_tensor(b, dtype=a.dtype, device=a.device))


def minimum(a, b):
    return torch.minimum(a, torch.as_tensor(b, dtype=a.dtype, device=a.device))


${PYTHON_BOX_IOU}


def huber(head, y, p):
    delta = head.get("huberDelta", 1.0)
    error = (y - p).abs()
    quadratic = error.clamp(max=delta)
    return (0.5 * quadratic ** 2 + delta * (error - quadratic)).mean(-1)


def macro_f1(y, p):
    """Mean over the attributes of F1 at 0.5 (an attribute never on nor predicted counts as 1)."""
    on, said = y >= 0.5, p >= 0.5
    tp = (on & said).double().sum(0)
    wrong = (on ^ said).double().sum(0)
    return torch.where(2 * tp + wrong > 0, 2 * tp / (2 * tp + wrong).clamp(min=1), torch.ones_like(tp)).mean()


def mean_average_precision(y, p):
    """Mean over the attributes that are on at least once of average precision (scikit-learn's)."""
    aps = []
    for k in range(y.shape[1]):
        truth, score = (y[:, k] >= 0.5).double(), p[:, k].double()
        positives = truth.sum()
        if positives == 0:
            continue
        ap, hits, seen, recall = 0.0, 0.0, 0, 0.0
        for s in torch.unique(score, sorted=True).flip(0):
            at = score == s
            hits += truth[at].sum().item()
            seen += int(at.sum().item())
            r = hits / positives.item()
            ap += (r - recall) * hits / seen
            recall = r
        aps.append(ap)
    return torch.tensor(sum(aps) / len(aps) if aps else float("nan"), dtype=torch.float64)


${PYTHON_DETECTION_DECODE}


${PYTHON_DETECTION_TRAIN}


${PYTHON_MAP_TASKS}


${table('TARGET_READERS', TARGET_READERS)}

${table('LOSSES', LOSSES)}

${table('METRICS', METRICS)}`;
