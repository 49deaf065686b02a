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
import { TRAIN_TASKS_PY } from './python-tasks.ts';
import { pythonHas, runPython } from './test-python.ts';

/**
 * Truth and predictions per task kind, with ties and an attribute that is never on; a map kind's
 * rows are flat, its head's output per sample `shape` (2×2 pixels): an ignored mask pixel and a
 * class never present, pixels without a depth or a normal, a zero and an opposite normal.
 */
const CASES: Record<TaskKind, { y: number[][]; p: number[][]; shape?: number[] }> = {
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
  p: number[][],
  shape = [p[0]!.length],
) {
  const acc = METRIC_SPECS[metric].create(p[0]!.length, shape);
  acc.add(Float32Array.from(y.flat()), Float32Array.from(p.flat()), y.length);
  return acc.finish();
}

describe.skipIf(!pythonHas('torch'))("train.py's metrics", () => {
  it('give the studio’s values for every metric of every task kind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'studio-python-tasks-'));
    try {
      const cases = Object.entries(CASES).flatMap(([kind, { y, p, shape }]) =>
        metricNamesOf(kind as TaskKind).map((m) => ({ m, y, p, shape: shape ?? [p[0]!.length] })),
      );
      await writeFile(
        join(dir, 'check.py'),
        `import json\nimport torch\nEPSILON = 1e-7\n\n${TRAIN_TASKS_PY}\n\nCASES = ${JSON.stringify(cases)}\nprint(json.dumps({c["m"]: METRICS[c["m"]](torch.tensor(c["y"]), torch.tensor(c["p"]).reshape(-1, *c["shape"])).item() for c in CASES}))\n`,
      );
      const got = JSON.parse(await runPython(['check.py'], dir)) as Record<string, number>;
      expect(Object.keys(got).sort()).toEqual([...METRIC_NAMES].sort());
      for (const { m, y, p, shape } of cases) {
        expect(got[m], m).toBeCloseTo(studioValue(m, y, p, shape), 6);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
