"""Scores a COCO results file with pycocotools, for the parity tests: one JSON object on stdout."""
import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

gt_path, dt_path = sys.argv[1:3]
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(gt_path)
    dt = gt.loadRes(dt_path)
    E = COCOeval(gt, dt, "bbox")
    E.evaluate()
    E.accumulate()
summary = io.StringIO()
with contextlib.redirect_stdout(summary):
    E.summarize()

precision = E.eval["precision"]


def mean_defined(s):
    s = s[s > -1]
    return float(np.mean(s)) if s.size else -1.0


per_class = []
curves = []
for k, category in enumerate(E.params.catIds):
    block = precision[:, :, k, 0, -1]
    per_class.append(
        {
            "categoryId": int(category),
            "ap": mean_defined(block),
            "ap50": mean_defined(block[0]),
            "ap75": mean_defined(block[5]),
        }
    )
    for t in (0, 5):
        if block[t, 0] > -1:
            curves.append({"categoryId": int(category), "iou": float(E.params.iouThrs[t]), "precision": block[t].tolist()})

print(
    json.dumps(
        {
            "stats": [float(s) for s in E.stats],
            "summary": summary.getvalue(),
            "perClass": per_class,
            "curves": curves,
            "iouThrs": E.params.iouThrs.tolist(),
            "recThrs": E.params.recThrs.tolist(),
        }
    )
)
