import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeObjectRows } from '../../core/detection/object-rows.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { initBackend } from '../engine/backend.ts';
import { centerNet } from '../engine/tasks/centernet.ts';
import { tf } from '../engine/tf.ts';
import { createRng } from '../datasets/rng.ts';
import { TRAIN_TASKS_PY } from './python-tasks.ts';
import { pythonHas, runPython } from './test-python.ts';

const [H, W, C] = [6, 8, 3];

describe.skipIf(!pythonHas('torch', 'numpy'))("train.py's CenterNet loss", () => {
  it('gives the studio’s loss per sample: objects, a crowd, an empty image', async () => {
    await initBackend('wasm');
    const rows = [
      writeObjectRows([
        { classIndex: 0, box: [0.1, 0.2, 0.45, 0.7], ignore: false },
        { classIndex: 2, box: [0.5, 0.1, 0.9, 0.5], ignore: false },
        { classIndex: 1, box: [0.55, 0.55, 0.95, 0.95], ignore: true },
      ]).rows,
      writeObjectRows([]).rows,
      writeObjectRows([{ classIndex: 1, box: [0.3, 0.3, 0.4, 0.42], ignore: false }]).rows,
    ];
    const rng = createRng(3);
    const p = Float32Array.from({ length: 3 * H * W * (C + 4) }, () => (rng.nextFloat() - 0.5) * 6);
    const y = Float32Array.from(rows.flatMap((r) => Array.from(r)));
    const head = {
      shape: [H, W, C + 4],
      params: { sizeWeight: 0.1, offsetWeight: 1 },
    } as unknown as HeadInfo;
    const studio = tf.tidy(() =>
      Array.from(
        centerNet(
          tf.tensor2d(y, [3, y.length / 3]),
          tf.tensor4d(p, [3, H, W, C + 4]),
          head,
        ).dataSync(),
      ),
    );
    expect(studio.every(Number.isFinite)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'mts-centernet-'));
    try {
      await writeFile(
        join(dir, 'loss.py'),
        `import json\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\nEPSILON = 1e-7\n\n${TRAIN_TASKS_PY}\n\n` +
          `y = torch.tensor(${JSON.stringify(Array.from(y))}).reshape(3, 100, 6)\n` +
          `p = torch.tensor(${JSON.stringify(Array.from(p))}).reshape(3, ${H}, ${W}, ${C + 4})\n` +
          `print(json.dumps(LOSSES["centerNet"]({"sizeWeight": 0.1, "offsetWeight": 1.0}, y, p).tolist()))\n`,
      );
      const python = JSON.parse(await runPython(['loss.py'], dir)) as number[];
      expect(python).toHaveLength(3);
      python.forEach((v, i) =>
        expect(Math.abs(v - studio[i]!) / Math.max(1, Math.abs(studio[i]!))).toBeLessThan(1e-5),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
