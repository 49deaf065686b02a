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
    'lambda target, rows: torch.nn.functional.one_hot(torch.tensor([target["classes"].index(r[target["name"]]) for r in rows]), len(target["classes"])).float()',
  attributes:
    'lambda target, rows: torch.tensor([[float(r[c]) for c in target["attributes"]] for r in rows])',
  box: 'lambda target, rows: torch.tensor([[float(r[c]) for c in ("xmin", "ymin", "xmax", "ymax")] for r in rows])',
  numeric:
    'lambda target, rows: torch.tensor([[float(r[c]) for c in target["columns"]] for r in rows])',
  objects: 'objects_rows',
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
};

const table = (name: string, entries: Record<string, string>) =>
  `${name} = {\n${Object.entries(entries)
    .map(([k, v]) => `    "${k}": ${v},`)
    .join('\n')}\n}`;

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


${table('TARGET_READERS', TARGET_READERS)}

${table('LOSSES', LOSSES)}

${table('METRICS', METRICS)}`;
