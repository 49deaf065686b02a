import type { GallerySample } from '../../core/contract/host.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { taskSpec, type DatasetTarget } from '../../core/tasks/registry.ts';
import type { TrainingData } from '../datasets/index.ts';
import { predictSamples } from '../engine/evaluate.ts';
import type { LayersModel } from '../engine/tf.ts';
import { writeJson } from '../runs/run-folder.ts';
import { GALLERY_FILE } from '../runs/run-manifest.ts';

export const GALLERY_SIZE = 12;

/** Each head's truth for one sample, in the form its prediction has (a class is one-hot). */
function truthOf(head: HeadInfo, values: Int32Array | Float32Array, index: number): number[] {
  if (taskSpec(head.targetKind).storage === 'index') {
    const label = values[index] ?? -1;
    return Array.from({ length: head.units }, (_, k) => (k === label ? 1 : 0));
  }
  return Array.from(values.subarray(index * head.truthUnits, (index + 1) * head.truthUnits));
}

/** The names the gallery words a head's outputs with: classes, or attributes. */
const namesOf = (t: DatasetTarget): { classes?: string[] } => {
  const names = taskSpec(t.kind).outputNames?.(t);
  return names ? { classes: [...names] } : {};
};

/**
 * The first validation images with every head's truth and prediction, for the results gallery.
 * Validation, not test: the test split stays unseen by anything the user looks at while tuning.
 */
export async function buildGallery(
  model: LayersModel,
  heads: readonly HeadInfo[],
  dataset: TrainingData,
  count = GALLERY_SIZE,
): Promise<GallerySample[]> {
  const [height, width, channels] = dataset.imageShape;
  const pixels = height * width * channels;
  const { block: split, predictions } = await predictSamples(
    model,
    heads,
    dataset.splits.validation,
    dataset.imageShape,
    count,
  );
  return Array.from({ length: split.size }, (_, i) => ({
    width,
    height,
    channels,
    pixels: Buffer.from(split.images.subarray(i * pixels, (i + 1) * pixels)).toString('base64'),
    heads: heads.map((head, h) => {
      const target = dataset.targets.find((t) => t.name === head.target);
      const values = split.targets[head.target];
      if (!values) throw new Error(`the validation split has no target '${head.target}'`);
      const names = target ? namesOf(target) : {};
      const data = {
        truth: truthOf(head, values, i),
        prediction: predictions[h]?.[i] ?? [],
        ...names,
      };
      // A head on a feature map keeps what its kind draws (a class per pixel), with its size.
      const keep = head.shape.length === 3 ? taskSpec(head.targetKind).galleryKeep : undefined;
      const kept = keep?.(data, head.shape);
      return {
        task: head.task,
        targetKind: head.targetKind,
        ...(kept ? { truth: [...kept.truth], prediction: [...kept.prediction] } : data),
        ...names,
        ...(head.shape.length > 1 ? { shape: [...head.shape] } : {}),
        params: { ...head.params },
      };
    }),
  }));
}

/** Keeps the gallery in the run folder, so the run shows it again when opened later. */
export const keepGallery = (runDir: string, gallery: readonly GallerySample[]): Promise<void> =>
  gallery.length === 0
    ? Promise.resolve()
    : writeJson(runDir, GALLERY_FILE, gallery).then(() => undefined);
