import { z } from 'zod';
import { TASK_NAME_PATTERN } from '../ids.ts';
import { METRIC_NAMES } from '../tasks/registry.ts';

/**
 * The epoch-level training controls saved with a graph: which validation value decides the best
 * epoch and when to stop, the learning-rate schedule, weight decay and gradient clipping. One
 * schema field per setting: the document, the run panel and the command line take their bounds,
 * defaults and docs from here. Every default keeps the behaviour graphs had before these existed,
 * except that the best epoch's model is the one kept.
 */

/**
 * A validation value to watch: `auto` (the total loss with fixed weights, else `tasks`), `loss`
 * (the weighted total), `tasks` (each task's loss ÷ its first epoch's, averaged: the same scale
 * whatever the balancing method, core/balancing/task-scale.ts) or `<task>.<value>`, where the value is
 * `loss` or a metric of some task kind (`box.meanIoU`, `class.accuracy`), taken from the table
 * of task kinds. Whether the graph has that task is checked when a run starts.
 */
export const MONITOR_PATTERN = new RegExp(
  `^(auto|loss|tasks|${TASK_NAME_PATTERN.source.slice(1, -1)}\\.(loss|${METRIC_NAMES.join('|')}))$`,
);

export const isMonitorName = (name: string): boolean => MONITOR_PATTERN.test(name);

export const monitorField = () =>
  z
    .string()
    .regex(
      MONITOR_PATTERN,
      "a monitor is 'auto', 'loss' (the weighted total), 'tasks' (the mean task loss ÷ epoch 1) or a task's value such as 'box.meanIoU' or 'class.loss'",
    )
    .default('auto')
    .describe(
      "Validation value that decides the best epoch: 'auto' (the total with fixed weights, else 'tasks'), 'loss', 'tasks' or '<task>.<loss or metric>'.",
    );

export const earlyStoppingSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('Stop when the monitored value has not improved for `patience` epochs.'),
  monitor: monitorField(),
  mode: z
    .enum(['auto', 'min', 'max'])
    .default('auto')
    .describe(
      "Whether lower or higher is better; auto: the value's own direction (lower for losses).",
    ),
  patience: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(3)
    .describe('Epochs without improvement before stopping.'),
  minDelta: z
    .number()
    .min(0)
    .max(1000)
    .default(0)
    .describe('Smallest change that counts as an improvement.'),
  restoreBest: z
    .boolean()
    .default(true)
    .describe('Keep the best epoch as the model (else the last epoch is kept).'),
});
export type EarlyStoppingSettings = z.infer<typeof earlyStoppingSchema>;

export const SCHEDULE_KINDS = ['constant', 'step', 'cosine', 'plateau'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export const scheduleSchema = z.strictObject({
  kind: z
    .enum(SCHEDULE_KINDS)
    .default('constant')
    .describe(
      'Constant; step decay; cosine decay after a linear warm-up; or reduce when the monitored value stops improving.',
    ),
  warmupEpochs: z
    .number()
    .min(0)
    .max(100)
    .default(0)
    .describe('Cosine: epochs of linear warm-up from zero (fractions allowed).'),
  minLearningRate: z
    .number()
    .min(0)
    .max(10)
    .default(0)
    .describe('Lowest rate: where cosine ends and plateau reductions stop.'),
  stepEpochs: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('Step decay: multiply the rate by the factor every this many epochs.'),
  factor: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.1)
    .describe('Step decay and plateau: what the rate is multiplied by.'),
  patience: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(2)
    .describe('Plateau: epochs without improvement of the monitored value before reducing.'),
});
export type ScheduleSettings = z.infer<typeof scheduleSchema>;

export const weightDecayField = () =>
  z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe(
      'Weight decay on kernels (not biases or normalisation): decoupled for Adam (AdamW), L2 for SGD and RMSprop.',
    );

export const clipNormField = () =>
  z
    .number()
    .min(0)
    .max(1000)
    .default(0)
    .describe('Clip the gradients to this global norm; 0 is off.');
