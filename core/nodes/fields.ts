import { z } from 'zod';
import { TASK_NAME_PATTERN } from '../ids.ts';
import { TASKS, type TaskKind } from '../tasks/registry.ts';

/** Field builders shared by several node kinds, so bounds and docs stay the same everywhere. */

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const activationField = (
  fallback: ActivationName,
  doc = 'Function applied to the output.',
) => z.enum(ACTIVATIONS).default(fallback).describe(doc);

export const intField = (min: number, max: number, fallback: number, doc: string) =>
  z.number().int().min(min).max(max).default(fallback).describe(doc);

export const paddingField = (fallback: 'same' | 'valid') =>
  z
    .enum(['same', 'valid'])
    .default(fallback)
    .describe("'same' keeps the size (divided by the stride); 'valid' only uses whole windows.");

export const useBiasField = () => z.boolean().default(true).describe('Add a learned bias.');

export const mergeInputsField = () => intField(2, 8, 2, 'How many inputs the node merges.');

export const taskField = (fallback: string) =>
  z
    .string()
    .regex(
      TASK_NAME_PATTERN,
      'a task name starts with a letter and has only letters, digits, _ and - (at most 40)',
    )
    .default(fallback)
    .describe('Name of the task, shown in charts and results; unique in the graph.');

export const targetField = (fallback: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .default(fallback)
    .describe('The dataset target this head learns, by name.');

export const lossWeightField = () =>
  z
    .number()
    .min(0)
    .max(1000)
    .default(1)
    .describe('Weight of this task in the total loss: total = sum of weight × task loss.');

/** Keras' `kernel_regularizer=l2(x)` on a Conv2D or Dense node. */
export const l2Field = () =>
  z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('L2 penalty on the kernel: adds this × the sum of its squared weights to the loss.');

/** The layer config of an L2 factor, in Keras' form, so a saved model names it; none for 0. */
export const kernelRegularizer = (l2: number) =>
  l2 > 0 ? { kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2 } } } : {};

/** A head's loss: one of its task kind's losses, starting at the kind's default. */
export const lossField = <K extends TaskKind>(kind: K, doc = 'Loss of this task.') =>
  z
    .enum(TASKS[kind].losses as unknown as [TaskLoss<K>, ...TaskLoss<K>[]])
    .default(TASKS[kind].defaultLoss as TaskLoss<K> & string)
    .describe(doc);

type TaskLoss<K extends TaskKind> = (typeof TASKS)[K]['losses'][number];

/**
 * Whether training changes this node's weights; off freezes them, as Keras' `trainable=False`
 * does (fine-tuning a trunk that came in trained). Every node kind with weights has it, and only
 * those: core/graph/trainable.ts reads it for the engine, the counts and every export.
 */
export const trainableField = () =>
  z
    .boolean()
    .default(true)
    .describe(
      "Train this node's weights; off freezes them (a frozen BatchNormalization also keeps and uses its moving statistics).",
    );
