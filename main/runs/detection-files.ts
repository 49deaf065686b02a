import { join } from 'node:path';
import type { DetectionAccumulator } from '../../core/detection/detection-accumulator.ts';
import { writeFileAtomic } from '../engine/atomic-write.ts';

/** A split's detections in COCO's results format, as a run folder keeps them. */
export const DETECTIONS_FILE = 'detections.json';
/** The ground truth they were scored on, in COCO's annotation format. */
export const GROUND_TRUTH_FILE = 'ground-truth.json';

/**
 * Writes what `accumulator` collected as the two files pycocotools reads, into `dir`:
 * `npm run cli -- coco-eval ground-truth.json detections.json`, or pycocotools' COCOeval on them,
 * gives the numbers the studio reported. Each file is written whole or not at all.
 */
export async function writeDetectionFiles(
  dir: string,
  accumulator: DetectionAccumulator,
): Promise<{ groundTruth: string; detections: string }> {
  const { groundTruth, detections } = accumulator.cocoFiles();
  const paths = { groundTruth: join(dir, GROUND_TRUTH_FILE), detections: join(dir, DETECTIONS_FILE) };
  await writeFileAtomic(paths.groundTruth, `${JSON.stringify(groundTruth)}\n`);
  await writeFileAtomic(paths.detections, `${JSON.stringify(detections)}\n`);
  return paths;
}
