import {
  evaluateCoco,
  type CocoDetection,
  type CocoEvaluation,
  type CocoGroundTruth,
} from '../../core/detection/coco-eval.ts';
import { decodeDetections, type Detection } from '../../core/detection/decode.ts';
import { decodeOptionsOf, mapGeometry } from '../../core/detection/map-metric.ts';
import {
  cocoFiles,
  OBJECT_ROWS_SIZE,
  readObjectRows,
  type ObjectRow,
} from '../../core/detection/object-rows.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import type { DatasetTarget } from '../../core/tasks/registry.ts';
import type { ImageShape, SplitReader } from '../datasets/types.ts';
import { batchIndices, disposeBatch, makeBatch, prefetchBlocks } from './batches.ts';
import { outputsOf } from './evaluate.ts';
import { tf, type LayersModel, type Tensor } from './tf.ts';

/** One detection head's split as COCO files, in pixels of the input image, and their score. */
export interface SplitDetections {
  readonly task: string;
  readonly groundTruth: CocoGroundTruth;
  readonly results: CocoDetection[];
  readonly evaluation: CocoEvaluation;
}

/**
 * Every detection head's detections on a split, as mAP scores them (top K, no threshold, the
 * head's NMS), with the truth as a COCO ground-truth file: image ids 1.. in split order, category
 * ids 1.. in the target's class order, boxes in pixels of the input image.
 */
export async function detectSplit(
  model: LayersModel,
  heads: readonly HeadInfo[],
  targets: readonly DatasetTarget[],
  split: SplitReader,
  imageShape: ImageShape,
  batchSize: number,
): Promise<SplitDetections[]> {
  const detecting = heads
    .map((head, index) => ({ head, index }))
    .filter(({ head }) => head.targetKind === 'objects');
  if (detecting.length === 0) return [];
  const truth = detecting.map(() => [] as ObjectRow[][]);
  const found = detecting.map(() => [] as Detection[][]);
  const order = Int32Array.from({ length: split.size }, (_, i) => i);
  for await (const block of prefetchBlocks(split, batchIndices(order, batchSize))) {
    if (block.size === 0) continue;
    const batch = makeBatch(block, imageShape, heads);
    const outputs = tf.tidy(() =>
      outputsOf(model.apply(batch.x, { training: false }) as Tensor | Tensor[]),
    );
    for (const [k, { head, index }] of detecting.entries()) {
      const values = await (outputs[index] as Tensor).data();
      const rows = block.targets[head.target] as Float32Array;
      const geometry = mapGeometry(head.shape);
      const options = { ...decodeOptionsOf(head.params), threshold: 0 };
      for (let s = 0; s < block.size; s++) {
        truth[k]!.push(readObjectRows(rows, s * OBJECT_ROWS_SIZE));
        found[k]!.push(decodeDetections({ values, at: s * head.units, ...geometry }, options));
      }
    }
    tf.dispose(outputs);
    disposeBatch(batch);
  }
  const [height, width] = imageShape;
  return detecting.map(({ head }, k) => {
    const target = targets.find((t) => t.name === head.target);
    const classes = target && 'classes' in target ? [...target.classes] : [];
    const { groundTruth, results } = cocoFiles(truth[k]!, found[k]!, classes, width, height);
    return {
      task: head.task,
      groundTruth,
      results,
      evaluation: evaluateCoco(groundTruth, results),
    };
  });
}

/** The run folder's names for a detection head's files: one head's are plain. */
export function detectionFileNames(
  task: string,
  heads: number,
): { results: string; truth: string } {
  const stem = heads === 1 ? 'detections' : `detections-${task}`;
  return { results: `${stem}.json`, truth: `${stem}-truth.json` };
}
