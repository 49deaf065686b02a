import { decodeOptionsOf, mapGeometry } from '../../core/detection/map-metric.ts';
import { pythonString } from './python-names.ts';
import type { ExportSource } from './source.ts';

/**
 * The Python of a detection head, written once: the PyTorch model.py's `decode()` (the steps of
 * core/detection/decode.ts), train.py's reader, CenterNet loss (the targets of
 * core/detection/centernet-targets.ts) and COCO mAP (pycocotools), which use `torch`, `F` and
 * `np`; and the same `decode()` in numpy alone for ONNX's postprocess.py and the Keras model.py.
 */

/** Each detection head's decoding settings by task, as the studio's head has them. */
export function pythonDetectionHeads(source: ExportSource): string {
  const settings = source.heads
    .filter((h) => h.targetKind === 'objects')
    .map((h) => {
      const o = decodeOptionsOf(h.params);
      return `${pythonString(h.task)}: {"classes": ${mapGeometry(h.shape).classes}, "top_k": ${o.topK}, "threshold": ${o.threshold}, "nms": ${o.nms ? 'True' : 'False'}}`;
    });
  return `# Each detection head's decoding settings, as the studio's head has them.
DETECTION_HEADS = {${settings.join(', ')}}`;
}

/** model.py and train.py: a detection head's maps [N, H, W, classes + 4] to detections. */
export const PYTHON_DETECTION_DECODE = `def decode(maps, classes, top_k=100, threshold=0.3, nms=False, nms_iou=0.5):
    """A detection head's maps [N, H, W, classes + 4] (class logits, box width and height, centre
    offset x and y, in cells) as detections, one dict per image: boxes [K, 4] (xmin, ymin, xmax,
    ymax as fractions of the image), scores [K] and classes [K], best first. A cell is a peak of a
    class when its logit is the largest of its 3x3 neighbourhood; peaks are sorted by score (ties
    by channels-last index), the first top_k kept, those under threshold dropped, then, with nms,
    a box overlapping a higher-scored box of its class by IoU > nms_iou is dropped."""
    maps = torch.as_tensor(maps, dtype=torch.float32)
    _, height, width, _ = maps.shape
    logits = maps[..., :classes]
    pooled = F.max_pool2d(logits.permute(0, 3, 1, 2), 3, stride=1, padding=1).permute(0, 2, 3, 1)
    found = []
    for image, peaks in zip(maps, logits >= pooled):
        index = torch.nonzero(peaks.reshape(-1)).flatten()
        scores = torch.sigmoid(image[..., :classes].reshape(-1)[index].double())
        order = torch.sort(-scores, stable=True).indices[:top_k]
        index, scores = index[order], scores[order]
        keep = scores >= threshold
        index, scores = index[keep], scores[keep]
        cell, label = index // classes, index % classes
        y, x = (cell // width).double(), (cell % width).double()
        size = image.reshape(-1, classes + 4)[cell, classes:].double()
        cx, cy = (x + size[:, 2]) / width, (y + size[:, 3]) / height
        half_w, half_h = size[:, 0] / width / 2, size[:, 1] / height / 2
        boxes = torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1).clamp(0, 1)
        if nms:
            def overlap(a, b):
                inter = (min(a[2], b[2]) - max(a[0], b[0])).clamp(min=0) * (min(a[3], b[3]) - max(a[1], b[1])).clamp(min=0)
                union = (a[2] - a[0]).clamp(min=0) * (a[3] - a[1]).clamp(min=0) + (b[2] - b[0]).clamp(min=0) * (b[3] - b[1]).clamp(min=0) - inter
                return inter / max(union, 1e-7)
            kept = []
            for k in range(len(scores)):
                if all(label[j] != label[k] or overlap(boxes[j], boxes[k]) <= nms_iou for j in kept):
                    kept.append(k)
            boxes, scores, label = boxes[kept], scores[kept], label[kept]
        found.append({"boxes": boxes, "scores": scores, "classes": label})
    return found`;

/** train.py: CenterNet's targets from objects rows, its loss per sample, and COCO mAP. */
export const PYTHON_DETECTION_TRAIN = `MAX_OBJECTS = 100


def objects_rows(target, rows):
    """[N, 100, 6] rows [class, xmin, ymin, xmax, ymax, ignore] from each image's rows, one per
    object (an image without objects has one row with a blank class); class -1 unused."""
    out = np.full((len(rows), MAX_OBJECTS, 6), 0.0, dtype=np.float32)
    out[:, :, 0] = -1
    for i, image in enumerate(rows):
        found = [r for r in image.objects if r["class"] != ""]
        for k, r in enumerate(found[:MAX_OBJECTS]):
            box = [float(r[c]) for c in ("xmin", "ymin", "xmax", "ymax")]
            out[i, k] = [target["classes"].index(r["class"]), *box, float(r["ignore"] or 0)]
    return torch.from_numpy(out)


def gaussian_radius(height, width, min_overlap=0.7):
    """CenterNet's radius for a box of height x width cells (its gaussian_radius)."""
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + np.sqrt(b1 ** 2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + np.sqrt(b2 ** 2 - 16 * c2)) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + np.sqrt(b3 ** 2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def centernet_targets(rows, height, width, classes):
    """Heatmaps, positives, negative weights, sizes and offsets, as the studio builds them."""
    rows = rows.detach().cpu().double().numpy()
    batch = rows.shape[0]
    heat = np.zeros((batch, height, width, classes))
    positive = np.zeros_like(heat)
    ignored = np.zeros_like(heat, dtype=bool)
    regression = np.zeros((batch, height, width, 4))
    mask = np.zeros((batch, height, width, 1))
    for b in range(batch):
        for c, x0, y0, x1, y1, ignore in rows[b]:
            c = int(round(c))
            if not 0 <= c < classes:
                continue
            if ignore > 0.5:
                ignored[b, max(0, int(np.floor(y0 * height))):min(height, int(np.ceil(y1 * height))),
                        max(0, int(np.floor(x0 * width))):min(width, int(np.ceil(x1 * width))), c] = True
                continue
            w, h = (x1 - x0) * width, (y1 - y0) * height
            if not (w > 0 and h > 0):
                continue
            cx, cy = (x0 + x1) / 2 * width, (y0 + y1) / 2 * height
            ix, iy = min(width - 1, max(0, int(np.floor(cx)))), min(height - 1, max(0, int(np.floor(cy))))
            radius = max(0, int(np.floor(gaussian_radius(np.ceil(h), np.ceil(w)))))
            sigma = (2 * radius + 1) / 6
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    y, x = iy + dy, ix + dx
                    if 0 <= y < height and 0 <= x < width:
                        g = np.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
                        heat[b, y, x, c] = max(heat[b, y, x, c], g if g >= np.finfo(float).eps else 0)
            positive[b, iy, ix, c] = 1
            regression[b, iy, ix] = [w, h, cx - ix, cy - iy]
            mask[b, iy, ix] = 1
    heat[positive > 0] = 1
    negative = np.where((positive > 0) | ignored, 0.0, (1 - heat) ** 4)
    return [torch.from_numpy(a).float() for a in (positive, negative, regression, mask)], max(1, int(positive.sum()))


def centernet_loss(head, y, p):
    """Penalty-reduced focal loss on the heatmaps plus weighted L1 on sizes and offsets at centres,
    per sample, scaled so the batch mean is the batch's sums over its number of centres."""
    batch, height, width, channels = p.shape
    classes = channels - 4
    (positive, negative, regression, mask), positives = centernet_targets(y, height, width, classes)
    positive, negative, regression, mask = (t.to(p.device) for t in (positive, negative, regression, mask))
    score = torch.sigmoid(p[..., :classes]).clamp(1e-4, 1 - 1e-4)
    focal = -(score.log() * (1 - score) ** 2 * positive + (1 - score).log() * score ** 2 * negative).sum((1, 2, 3))
    weights = torch.tensor([head.get("sizeWeight", 0.1)] * 2 + [head.get("offsetWeight", 1.0)] * 2, device=p.device)
    l1 = ((p[..., classes:] - regression).abs() * mask * weights).sum((1, 2, 3))
    return (focal + l1) * (batch / positives)


def coco_map(y, p, stat):
    """COCO box AP over a split (stat 0: AP@0.5:0.95, 1: AP@0.5) by pycocotools, every peak up to
    100 per image counting, one pixel per map cell, as the studio scores it."""
    import contextlib
    import io
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        raise SystemExit("A detection head's mAP needs pycocotools: pip install pycocotools")
    _, height, width, channels = p.shape
    images, annotations, results = [], [], []
    for i, (rows, found) in enumerate(zip(y.reshape(len(y), -1, 6).tolist(), decode(p, channels - 4, threshold=0.0))):
        images.append({"id": i + 1, "width": width, "height": height})
        for c, x0, y0, x1, y1, ignore in rows:
            if c >= 0:
                box = [x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height]
                annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": int(round(c)) + 1,
                                    "bbox": box, "area": box[2] * box[3], "iscrowd": int(ignore > 0.5)})
        for (x0, y0, x1, y1), s, c in zip(found["boxes"].tolist(), found["scores"].tolist(), found["classes"].tolist()):
            results.append({"image_id": i + 1, "category_id": c + 1, "score": s,
                            "bbox": [x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height]})
    if not results or not annotations:
        return torch.tensor(0.0, dtype=torch.float64)
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": images, "annotations": annotations,
                         "categories": [{"id": k + 1, "name": str(k)} for k in range(channels - 4)]}
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return torch.tensor(max(0.0, float(evaluation.stats[stat])), dtype=torch.float64)`;

/**
 * The decoding in numpy alone, written once for the exports without PyTorch: postprocess.py beside
 * the ONNX model and the Keras model.py.
 */
export const NUMPY_DETECTION_DECODE = `def decode(maps, classes, top_k=100, threshold=0.3, nms=False, nms_iou=0.5):
    """A detection head's maps [N, H, W, classes + 4] (class logits, box width and height, centre
    offset x and y, in cells) as detections, one dict per image: boxes [K, 4] (xmin, ymin, xmax,
    ymax as fractions of the image), scores [K] and classes [K], best first. A cell is a peak of a
    class when its logit is the largest of its 3x3 neighbourhood; peaks are sorted by score (ties
    by channels-last index), the first top_k kept, those under threshold dropped, then, with nms,
    a box overlapping a higher-scored box of its class by IoU > nms_iou is dropped."""
    maps = np.asarray(maps, dtype=np.float32)
    _, height, width, _ = maps.shape
    found = []
    for image in maps:
        logits = image[..., :classes]
        padded = np.pad(logits, ((1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
        pooled = np.max([padded[dy:dy + height, dx:dx + width] for dy in range(3) for dx in range(3)], axis=0)
        index = np.flatnonzero((logits >= pooled).reshape(-1))
        scores = 1 / (1 + np.exp(-logits.reshape(-1)[index].astype(np.float64)))
        order = np.argsort(-scores, kind="stable")[:top_k]
        index, scores = index[order], scores[order]
        keep = scores >= threshold
        index, scores = index[keep], scores[keep]
        cell, label = index // classes, index % classes
        y, x = (cell // width).astype(np.float64), (cell % width).astype(np.float64)
        size = image.reshape(-1, classes + 4)[cell, classes:].astype(np.float64)
        cx, cy = (x + size[:, 2]) / width, (y + size[:, 3]) / height
        half_w, half_h = size[:, 0] / width / 2, size[:, 1] / height / 2
        boxes = np.clip(np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1), 0, 1)
        if nms:
            def overlap(a, b):
                inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
                union = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1]) + max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]) - inter
                return inter / max(union, 1e-7)
            kept = []
            for k in range(len(scores)):
                if all(label[j] != label[k] or overlap(boxes[j], boxes[k]) <= nms_iou for j in kept):
                    kept.append(k)
            boxes, scores, label = boxes[kept], scores[kept], label[kept]
        found.append({"boxes": boxes, "scores": scores, "classes": label})
    return found`;

/** postprocess.py beside an ONNX model with detection heads, for onnxruntime users without PyTorch. */
export const onnxDetectionPostprocess = (
  source: ExportSource,
) => `"""Decoding of the detection heads' maps of model.onnx, exported from Multitask Studio.

    import onnxruntime, postprocess
    maps = onnxruntime.InferenceSession("model.onnx").run(None, {"image": images})
    found = postprocess.decode(maps[k], **postprocess.DETECTION_HEADS[name])

Each detection output is [N, H, W, classes + 4]: per cell a logit per class, then the box width
and height and the centre's offset x and y, in cells. decode() gives per image a dict of boxes
[K, 4] (xmin, ymin, xmax, ymax as fractions of the image), scores [K] and classes [K], best first.
"""
import numpy as np

${pythonDetectionHeads(source)}


${NUMPY_DETECTION_DECODE}
`;
