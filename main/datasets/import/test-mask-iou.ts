/**
 * Test support: a run's test mean IoU computed outside the studio, from the exported ONNX model's
 * outputs on the dataset's test images, by numpy from its own confusion matrix.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { exportRunFiles } from '../../export/index.ts';
import { ONNX_FILE, ONNX_INPUT } from '../../export/onnx.ts';
import { pythonHas, runPython } from '../../export/test-python.ts';
import { checkIndex } from './check.ts';
import { readIndex } from './detect.ts';
import { createImportedData } from './reader.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { runTraining } from '../../runs/run-training.ts';

export interface IouCheck {
  /** The dataset folder or file the run trained on. */
  readonly dataset: string;
  /** The run's folder, whose best checkpoint is exported. */
  readonly run: string;
  /** The Input's height and width; images are letterboxed to it, as the run did. */
  readonly size: readonly [number, number];
  /** The head's output classes; its output is named `head`. */
  readonly classes: number;
  readonly head: string;
  /** A folder for the files handed to Python. */
  readonly work: string;
}

/** numpy's mean IoU over the classes present, or undefined when numpy is missing. */
export async function numpyTestMeanIoU(check: IouCheck): Promise<number | undefined> {
  if (!pythonHas('numpy')) return undefined;
  const [height, width] = check.size;
  const checked = await checkIndex(await readIndex(check.dataset));
  const data = createImportedData(checked, {
    imageShape: [height, width, 3],
    resize: 'letterbox',
    cache: false,
    seed: 2,
  });
  const count = data.splits.test.size;
  const test = await data.splits.test.read(Int32Array.from({ length: count }, (_, i) => i));
  await data.close?.();
  const files = await exportRunFiles(check.run, { format: 'onnx', checkpoint: 'best' });
  const session = await ort.InferenceSession.create(files.get(ONNX_FILE)!);
  const images = Float32Array.from(test.images, (v) => v / 255);
  const result = await session.run({
    [ONNX_INPUT]: new ort.Tensor('float32', images, [count, height, width, 3]),
  });
  await writeFile(join(check.work, 'scores.f32'), result[check.head]!.data as Float32Array);
  await writeFile(join(check.work, 'truth.f32'), test.targets.mask as Float32Array);
  const c = check.classes;
  const script = [
    'import numpy as np',
    `scores = np.fromfile('scores.f32', dtype=np.float32).reshape(-1, ${c})`,
    "truth = np.fromfile('truth.f32', dtype=np.float32).astype(np.int64)",
    'keep = truth != 255',
    `confusion = np.bincount(truth[keep] * ${c} + scores.argmax(1)[keep], minlength=${c * c}).reshape(${c}, ${c})`,
    'hit = np.diag(confusion)',
    'union = confusion.sum(0) + confusion.sum(1) - hit',
    'print(np.mean(hit[union > 0] / union[union > 0]))',
  ].join('\n');
  return Number(await runPython(['-c', script], check.work));
}

/**
 * Trains a segmentation graph on an imported dataset into `out` and hands back each epoch's
 * training loss of the `segmentation` task with the run's outcome.
 */
export async function trainSegmentation(graph: GraphDocument, dataset: string, out: string) {
  const losses: number[] = [];
  const outcome = await runTraining({
    graph,
    overrides: { dataset, limit: undefined },
    out,
    backend: 'wasm',
    onEvent: (e) => {
      if (e.type === 'epoch') losses.push(e.train.tasks.segmentation?.loss ?? NaN);
    },
  });
  return { outcome, losses };
}
