import { z } from 'zod';
import { attributesTask } from './attributes.ts';
import { boxTask } from './box.ts';
import { classTask } from './class.ts';
import { depthTask } from './depth.ts';
import { maskTask } from './mask.ts';
import { normalsTask } from './normals.ts';
import { numericTask } from './numeric.ts';
import { objectsTask } from './objects.ts';
import { layoutSize, type AnyTaskSpec, type MetricSpec, type TaskSpec } from './task.ts';

/**
 * Every task kind. Static and exhaustive: a kind is one file and one line here, and each zone's
 * own table (`Record<TaskKind, …>`) fails to compile until it handles the new kind.
 */
export const TASKS = {
  class: classTask,
  attributes: attributesTask,
  box: boxTask,
  numeric: numericTask,
  objects: objectsTask,
  mask: maskTask,
  depth: depthTask,
  normals: normalsTask,
} as const satisfies Readonly<Record<string, AnyTaskSpec>>;

export type TaskKind = keyof typeof TASKS;

/** Each entry's key is its spec's own kind: `class: classTask`, never `class: boxTask`. */
type KeysMatch = { [K in TaskKind]: (typeof TASKS)[K]['kind'] extends K ? true : false }[TaskKind];
true satisfies false extends KeysMatch ? never : true;
export const TASK_KINDS = Object.keys(TASKS) as TaskKind[];

type Tasks = typeof TASKS;
type Frozen<T> = { readonly [P in keyof T]: T[P] extends (infer E)[] ? readonly E[] : T[P] };

/** A target as plain JSON, as the host contract carries it. */
export type DatasetTargetJson = { [K in TaskKind]: z.infer<Tasks[K]['target']> }[TaskKind];

/** What a dataset offers a task head to learn; the engine's datasets and the editor share it. */
export type DatasetTarget = { [K in TaskKind]: Frozen<z.infer<Tasks[K]['target']>> }[TaskKind];

/** Every loss a task kind may use. */
export type LossName = { [K in TaskKind]: Tasks[K]['losses'][number] }[TaskKind];

/** Every metric any task kind reports, by its key in the metrics of a split. */
export type MetricName = { [K in TaskKind]: keyof Tasks[K]['metrics'] & string }[TaskKind];

/** A kind's spec with its target widened, for code that handles every kind alike. */
export const taskSpec = (kind: TaskKind): TaskSpec<TaskKind, DatasetTarget> =>
  TASKS[kind] as unknown as TaskSpec<TaskKind, DatasetTarget>;

/** The metrics of a kind, in report order. */
export const metricNamesOf = (kind: TaskKind): MetricName[] =>
  Object.keys(TASKS[kind].metrics) as MetricName[];

/** Every metric with its kind's spec, in table order. */
export const METRIC_SPECS: Readonly<Record<MetricName, MetricSpec>> = Object.assign(
  {},
  ...TASK_KINDS.map((k) => TASKS[k].metrics),
) as Record<MetricName, MetricSpec>;
export const METRIC_NAMES = Object.keys(METRIC_SPECS) as MetricName[];

/** Whether lower is better for a value a task reports: its loss, or one of its metrics. */
export const lowerIsBetter = (value: 'loss' | MetricName): boolean =>
  value === 'loss' || METRIC_SPECS[value].direction === 'lower';

/** Any target, checked by its kind's schema; complete by construction, from the table. */
export const datasetTargetSchema = z.union(
  TASK_KINDS.map((k) => TASKS[k].target as z.ZodType) as [z.ZodType, ...z.ZodType[]],
) as unknown as z.ZodType<DatasetTargetJson>;

/** A target's layout: the shape of one sample's values as a head outputs them. */
export const targetLayout = (t: DatasetTarget) => taskSpec(t.kind).layout(t);

/** Values per sample of a dense target (classes, 4 for a box, N numbers or attributes). */
export function targetWidth(t: DatasetTarget): number {
  const size = layoutSize(targetLayout(t));
  if (size === undefined) throw new Error(`the target '${t.name}' has no fixed width`);
  return size;
}

/** The target in a few words: "class (10 classes: 0, 1, …)". */
export const targetSummary = (t: DatasetTarget): string =>
  `${t.name} (${taskSpec(t.kind).summary(t)})`;

/** Numbers a split stores per sample: one class index, or the layout's values. */
export const storedWidth = (t: DatasetTarget): number =>
  taskSpec(t.kind).storage === 'index' ? 1 : targetWidth(t);

/** A fresh array for `samples` samples of a target, of the type its storage keeps. */
export const allocateTarget = (t: DatasetTarget, samples: number): Int32Array | Float32Array =>
  taskSpec(t.kind).storage === 'index'
    ? new Int32Array(samples)
    : new Float32Array(samples * storedWidth(t));

/**
 * The target drawn at another image size: a built-in dataset draws its maps at the graph's input
 * size; a target whose size does not follow the image comes back as it is.
 */
export const targetAtImageSize = <T extends DatasetTarget>(
  t: T,
  height: number,
  width: number,
): T => (taskSpec(t.kind).atImageSize?.(t, height, width) as T | undefined) ?? t;
