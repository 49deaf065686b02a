/**
 * What a host shows when a user imports a dataset: the check's summary, the bad-row report and a
 * few pictures with their chosen boxes, as the host contract's plain JSON.
 */
import type {
  BadRowInfo,
  DatasetInspection,
  DatasetPreview,
  DatasetSummary as SummaryInfo,
} from '../../../core/contract/host.ts';
import type { DatasetOptions } from '../../../core/graph/schema.ts';
import { targetInfo } from '../index.ts';
import { mapLimit } from './files.ts';
import { applyBoxTransform, decodeImage } from './decode.ts';
import { importOptionsOf, inspectDataset } from './index.ts';
import { summarizeDataset } from './summary.ts';
import { isBackground, type CheckedDataset, type Sample } from './types.ts';

/** Bad rows sent to the page; the counts cover the rest. */
export const MAX_BAD_ROWS = 500;
export const PREVIEW_COUNT = 24;
export const PREVIEW_SIZE = 96;

/** Up to `count` samples taking each class in turn, so the preview shows every class early. */
export function previewSamples(checked: CheckedDataset, count: number): Sample[] {
  const all = [...checked.samples.train, ...checked.samples.validation, ...checked.samples.test];
  const byClass = new Map<number, Sample[]>();
  for (const s of all) {
    const list = byClass.get(s.classIndex) ?? [];
    list.push(s);
    byClass.set(s.classIndex, list);
  }
  const queues = [...byClass.entries()].sort(([a], [b]) => a - b).map(([, list]) => list);
  const picked: Sample[] = [];
  for (let round = 0; picked.length < count; round++) {
    const before = picked.length;
    for (const queue of queues) {
      const sample = queue[round];
      if (sample && picked.length < count) picked.push(sample);
    }
    if (picked.length === before) break;
  }
  return picked;
}

async function previewOf(checked: CheckedDataset, sample: Sample): Promise<DatasetPreview | null> {
  try {
    const { pixels, transform } = await decodeImage(
      sample.file,
      [PREVIEW_SIZE, PREVIEW_SIZE, 3],
      'letterbox',
    );
    return {
      key: sample.key,
      split: sample.split,
      width: PREVIEW_SIZE,
      height: PREVIEW_SIZE,
      channels: 3,
      pixels: Buffer.from(pixels).toString('base64'),
      className: isBackground(sample)
        ? 'no objects'
        : (checked.index.classes[sample.classIndex] ?? String(sample.classIndex)),
      ...(sample.box
        ? { box: [...applyBoxTransform(sample.box, transform)] as DatasetPreview['box'] }
        : {}),
    };
  } catch {
    // The check decoded it a moment ago; a file changed since is simply left out of the preview.
    return null;
  }
}

/** The contract's summary: the engine's, less what only the command line prints. */
function summaryInfo(checked: CheckedDataset): SummaryInfo {
  const s = summarizeDataset(checked);
  const counts = ({
    train,
    validation,
    test,
  }: {
    train: number;
    validation: number;
    test: number;
  }) => ({
    train,
    validation,
    test,
  });
  return {
    format: s.format,
    source: s.source,
    splitFrom: s.splitFrom,
    images: counts(s.images),
    classes: s.classes.map((c) => ({ name: c.name, ...counts(c) })),
    tasks: s.tasks.map((t) => ({
      task: t.task,
      kind: t.kind,
      classes: t.classes.map((c) => ({ name: c.name, ...counts(c) })),
    })),
    ...(s.boxes ? { boxes: s.boxes } : {}),
    values: s.values.map((v) => ({ column: v.column, min: v.min, mean: v.mean, max: v.max })),
    objectChoice: s.objectChoice,
    multiObjectImages: s.multiObjectImages,
    ...(s.objects ? { objects: s.objects } : {}),
    ...(s.boxUnits ? { boxUnits: s.boxUnits } : {}),
    badRowCounts: Object.fromEntries(
      Object.entries(s.badRowCounts).filter(
        (entry): entry is [string, number] => entry[1] !== undefined,
      ),
    ),
  };
}

/** Reads and checks the dataset at `path` and describes it for the import dialog. */
export async function inspectForHost(
  request: { readonly path: string; readonly options?: DatasetOptions },
  seed = 42,
): Promise<DatasetInspection> {
  const checked = await inspectDataset(request.path, importOptionsOf(request.options, seed));
  const summary = summaryInfo(checked);
  const total = summary.images.train + summary.images.validation + summary.images.test;
  const previews = await mapLimit(previewSamples(checked, PREVIEW_COUNT), 4, (sample) =>
    previewOf(checked, sample),
  );
  const badRows: BadRowInfo[] = checked.badRows.slice(0, MAX_BAD_ROWS).map((r) => ({
    kind: r.kind,
    where: r.where,
    message: r.message,
    action: r.action,
  }));
  return {
    info: {
      name: request.path,
      description: `${checked.index.format.toUpperCase()} dataset, ${total} images, ${checked.index.classes.length} classes`,
      fullSize: total,
      targets: checked.targets.map(targetInfo),
    },
    summary,
    badRows,
    badRowTotal: checked.badRows.length,
    preview: previews.filter((p): p is DatasetPreview => p !== null),
  };
}
