import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  METRIC_NAMES,
  METRIC_SPECS,
  metricNamesOf,
  type TaskKind,
} from '../../core/tasks/registry.ts';
import { writeObjectRows } from '../../core/detection/object-rows.ts';
import { TRAIN_TASKS_PY } from './python-tasks.ts';
import { PYTHON, pythonHas, REFERENCE_PYTHON, referenceMissing, runPython } from './test-python.ts';

/** Two images on a 3×4 map of 2 classes: one object found well, one missed, one crowd. */
const OBJECTS_MAP = (() => {
  const [h, w, classes] = [3, 4, 2];
  const p = Array.from({ length: 2 }, () =>
    Array.from({ length: h }, () => Array.from({ length: w }, () => [-6, -6, 1, 1, 0.5, 0.5])),
  );
  p[0]![1]![1] = [3, -6, 2, 1, 0.5, 0.5]; // class 0 at cells 0.5–2.5 × 1–2
  p[1]![0]![3] = [-6, 1, 1, 1, 0.5, 0.5]; // class 1, a false one
  p[1]![2]![2] = [-6, 2, 1, 1, 0.25, 0.5]; // class 1, near the truth
  const rows = (objects: Parameters<typeof writeObjectRows>[0]) =>
    Array.from(writeObjectRows(objects).rows);
  const y = [
    rows([{ classIndex: 0, box: [0.5 / w, 1 / h, 2.5 / w, 2 / h], ignore: false }]),
    rows([
      { classIndex: 1, box: [2 / w, 2 / h, 3 / w, 3 / h], ignore: false },
      { classIndex: 0, box: [0, 0, 1 / w, 1 / h], ignore: true },
    ]),
  ];
  return { y, p, shape: [h, w, classes + 4] };
})();
const detectionPython = referenceMissing('torch', 'pycocotools') ? undefined : REFERENCE_PYTHON;

/**
 * Truth and predictions per task kind, with ties and an attribute that is never on; a map kind's
 * rows are flat, its head's output per sample `shape` (2×2 pixels): an ignored mask pixel and a
 * class never present, pixels without a depth or a normal, a zero and an opposite normal.
 */
const CASES: Record<TaskKind, { y: number[][]; p: unknown[]; shape?: number[] }> = {
  objects: OBJECTS_MAP,
  class: {
    y: [
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ],
    p: [
      [0.2, 0.5, 0.3],
      [0.4, 0.5, 0.1],
      [0.1, 0.1, 0.8],
      [0.6, 0.3, 0.1],
    ],
  },
  attributes: {
    y: [
      [1, 0, 0, 1],
      [1, 1, 0, 0],
      [0, 1, 0, 1],
      [0, 0, 0, 1],
      [1, 1, 0, 0],
    ],
    p: [
      [0.9, 0.1, 0.2, 0.4],
      [0.2, 0.8, 0.7, 0.4],
      [0.6, 0.7, 0.1, 0.9],
      [0.6, 0.2, 0.3, 0.1],
      [0.5, 0.8, 0.2, 0.3],
    ],
  },
  box: {
    y: [
      [0, 0, 0.5, 0.5],
      [0.2, 0.2, 0.6, 0.9],
      [0.1, 0.1, 0.3, 0.3],
    ],
    p: [
      [0.25, 0, 0.75, 0.5],
      [0.2, 0.2, 0.6, 0.9],
      [0.3, 0.3, 0.1, 0.1],
    ],
  },
  numeric: {
    y: [
      [0, 1],
      [2, -1],
    ],
    p: [
      [0.5, 1],
      [1, 1],
    ],
  },
  mask: {
    shape: [2, 2, 4],
    y: [
      [0, 1, 2, 255],
      [1, 1, 0, 0],
    ],
    p: [
      [0.7, 0.2, 0.1, 0, 0.1, 0.8, 0.1, 0, 0.3, 0.3, 0.4, 0, 0.9, 0.05, 0.05, 0],
      [0.2, 0.7, 0.1, 0, 0.5, 0.4, 0.1, 0, 0.6, 0.2, 0.2, 0, 0.1, 0.1, 0.8, 0],
    ],
  },
  depth: {
    shape: [2, 2, 1],
    y: [
      [1, 2, 0, 4],
      [3, 0.5, 2, 0],
    ],
    p: [
      [1.1, 1.5, 3, 5],
      [2, 0.5, -1, 1],
    ],
  },
  normals: {
    shape: [2, 2, 3],
    y: [
      [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0],
      [0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, -1],
    ],
    p: [
      [0, 0.1, 1, 0.7, 0.7, 0, 1, 1, 1, 0, 0, 0],
      [0, 0, 2, 0.2, 0, 1, 0, 1, 0, 0, 0, 1],
    ],
  },
};

/** The studio's value of a metric over the whole case. */
function studioValue(
  metric: (typeof METRIC_NAMES)[number],
  y: number[][],
  p: unknown[],
  shape?: number[],
) {
  const flat = p.flat(3) as number[];
  const width = shape ? shape.reduce((a, b) => a * b, 1) : (p[0] as number[]).length;
  const acc = METRIC_SPECS[metric].create(width, shape ?? [width]);
  acc.add(Float32Array.from(y.flat()), Float32Array.from(flat), y.length);
  return acc.finish();
}

describe.skipIf(!pythonHas('torch'))("train.py's metrics", () => {
  it('give the studio’s values for every metric of every task kind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'studio-python-tasks-'));
    try {
      // A detection head's mAP is pycocotools', which the reference Python has.
      const kinds = Object.entries(CASES).filter(([kind]) => detectionPython || kind !== 'objects');
      const cases = kinds.flatMap(([kind, { y, p, shape }]) =>
        metricNamesOf(kind as TaskKind).map((m) => ({
          m,
          y,
          p,
          shape: shape ?? [(p[0] as number[]).length],
        })),
      );
      await writeFile(
        join(dir, 'check.py'),
        `import json\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\nEPSILON = 1e-7\n\n${TRAIN_TASKS_PY}\n\nCASES = ${JSON.stringify(cases)}\nprint(json.dumps({c["m"]: METRICS[c["m"]](torch.tensor(c["y"]), torch.tensor(c["p"]).reshape(-1, *c["shape"])).item() for c in CASES}))\n`,
      );
      const python = detectionPython ?? PYTHON;
      const got = JSON.parse(await runPython(['check.py'], dir, {}, undefined, python)) as Record<
        string,
        number
      >;
      const expected = cases.map((c) => c.m);
      expect(Object.keys(got).sort()).toEqual([...new Set(expected)].sort());
      if (detectionPython) expect(expected.sort()).toEqual([...METRIC_NAMES].sort());
      for (const { m, y, p, shape } of cases) {
        expect(got[m], m).toBeCloseTo(studioValue(m, y, p, shape), 6);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
