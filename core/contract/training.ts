import { z } from 'zod';
import { BALANCING_METHODS } from '../balancing/methods.ts';
import { METRIC_NAMES, type MetricName } from '../tasks/registry.ts';

/**
 * The typed contract of a training run: every event the engine emits, as plain JSON that a
 * terminal, a WebSocket or an Electron port can carry. The schemas are the single source of the
 * types and of the re-validation at each process boundary.
 */

export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const backendInfoSchema = z.object({
  name: z.enum(BACKEND_NAMES),
  /** e.g. "WebAssembly (tfjs-backend-wasm, SIMD, 1 thread)" */
  description: z.string(),
  /** Each better backend that was not used, and why, best first. */
  fallbacks: z.array(z.object({ backend: z.enum(BACKEND_NAMES), reason: z.string() })),
});
export type BackendInfo = z.infer<typeof backendInfoSchema>;

/** A task's loss and whichever metrics its kind reports (core/tasks). */
export const taskMetricsSchema = z.object({
  loss: z.number(),
  ...(Object.fromEntries(METRIC_NAMES.map((m) => [m, z.number().optional()])) as Record<
    MetricName,
    z.ZodOptional<z.ZodNumber>
  >),
});
export type TaskMetrics = z.infer<typeof taskMetricsSchema>;

/** One class of a mask head's table over a split (core/tasks/map-metrics.ts), with its name. */
export const classIoURowSchema = z.object({
  name: z.string(),
  /** Null for a class neither in the truth nor predicted: the mean IoU leaves it out. */
  iou: z.number().nullable(),
  pixels: z.number(),
  share: z.number(),
});
export type ClassIoURow = z.infer<typeof classIoURowSchema>;

export const splitMetricsSchema = z.object({
  /** Σ effective weight × task loss (core/balancing/objective.ts), averaged over the samples. */
  loss: z.number(),
  samples: z.number().int(),
  tasks: z.record(z.string(), taskMetricsSchema),
  /** Each mask head's per-class IoU, by task: the test split's at the end of a run. */
  perClass: z.record(z.string(), z.array(classIoURowSchema)).optional(),
});
export type SplitMetrics = z.infer<typeof splitMetricsSchema>;

export const taskInfoSchema = z.object({
  task: z.string(),
  nodeId: z.string(),
  kind: z.string(),
  loss: z.string(),
  lossWeight: z.number(),
  target: z.string(),
  metrics: z.array(z.string()),
});
export type TaskInfo = z.infer<typeof taskInfoSchema>;

const splitSizes = z.object({
  train: z.number().int(),
  validation: z.number().int(),
  test: z.number().int(),
});

/** What a run records about an imported dataset: how it was split and what was wrong in it. */
export const datasetReportSchema = z.object({
  format: z.string(),
  source: z.string(),
  splitFrom: z.enum(['data', 'ratio']),
  sizes: splitSizes,
  /** Bad rows and images by kind (missing-file, unreadable-image, box-clipped, …). */
  badRows: z.record(z.string(), z.number().int()),
  /** Rows or images left out, and rows kept after a repair. */
  dropped: z.number().int(),
  fixed: z.number().int(),
  firstMessages: z.array(z.string()),
  objectChoice: z.string(),
  multiObjectImages: z.number().int(),
  /**
   * Images without objects (or only ignored ones), those of them without a label file (YOLO),
   * and whether the run kept them (a detection head learns them as background) or left them out
   * (a class or box head has no label for them); absent when there are none.
   */
  background: z
    .object({ images: z.number().int(), noLabelFile: z.number().int(), kept: z.boolean() })
    .optional(),
});
export type DatasetReport = z.infer<typeof datasetReportSchema>;

/** The best epoch so far by the monitored validation value (`loss` or `<task>.<value>`). */
export const bestEpochSchema = z.object({
  epoch: z.number().int(),
  monitor: z.string(),
  value: z.number(),
});
export type BestEpoch = z.infer<typeof bestEpochSchema>;
/**
 * The shared trunk as the tasks see it, from gradients on a fixed probe batch measured a few
 * times per epoch (means over the epoch's probes): each task's gradient norm on the trunk, the
 * cosine of each pair's gradients (keys "a|b"), the share of probe pairs in conflict (cosine < 0)
 * and each task's loss on the probe batch against its loss before training, L_k(t)/L_k(0).
 */
export const diagnosticsSchema = z.object({
  gradNorm: z.record(z.string(), z.number()),
  cosine: z.record(z.string(), z.number()),
  conflictShare: z.number(),
  lossRatio: z.record(z.string(), z.number()),
});
export type Diagnostics = z.infer<typeof diagnosticsSchema>;

/** Each task's effective weight: the coefficient of its loss in the trunk's update. */
export const taskWeightsSchema = z.record(z.string(), z.number());

/** One finished epoch: what metrics.json keeps of a run, one entry per epoch. */
export const epochEventSchema = z.object({
  type: z.literal('epoch'),
  epoch: z.number().int(),
  epochs: z.number().int(),
  train: splitMetricsSchema,
  val: splitMetricsSchema,
  samplesPerSec: z.number(),
  seconds: z.number(),
  backend: z.enum(BACKEND_NAMES),
  /** Seconds of the epoch spent waiting for data to be read: near 0 unless reading is too slow. */
  dataWaitSeconds: z.number().optional(),
  /** Images that could not be read while training so far (left out of their batches). */
  unreadable: z.number().int().optional(),
  /** The learning rate at the epoch's last step. */
  learningRate: z.number().optional(),
  best: bestEpochSchema.optional(),
  /** Mean over the epoch's steps of each task's effective weight (absent in older runs). */
  weights: taskWeightsSchema.optional(),
  diagnostics: diagnosticsSchema.optional(),
  /** One sentence when the shared trunk was frozen: it had no gradient to measure or balance. */
  trunkNote: z.string().optional(),
  /** Node ids unfrozen at the start of this epoch (the fine-tune's second phase begins). */
  unfrozen: z.array(z.string()).optional(),
});
export type EpochEvent = z.infer<typeof epochEventSchema>;

export const trainingEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    backend: backendInfoSchema,
    dataset: z.object({
      name: z.string(),
      sizes: splitSizes,
      report: datasetReportSchema.optional(),
    }),
    tasks: z.array(taskInfoSchema),
    epochs: z.number().int(),
    batchSize: z.number().int(),
    batchesPerEpoch: z.number().int(),
    parameters: z.number().int(),
    /** The balancing method and its parameters (defaults filled in); absent in older runs. */
    balancing: z
      .object({ method: z.enum(BALANCING_METHODS), params: z.record(z.string(), z.number()) })
      .optional(),
  }),
  z.object({
    type: z.literal('batch'),
    epoch: z.number().int(),
    batch: z.number().int(),
    batchesPerEpoch: z.number().int(),
    /** Steps since the run started, counting from 1. */
    step: z.number().int(),
    loss: z.number(),
    tasks: z.record(z.string(), z.number()),
    /** Each task's effective weight in this step. */
    weights: taskWeightsSchema.optional(),
    samplesPerSec: z.number(),
    etaSeconds: z.number(),
    learningRate: z.number().optional(),
  }),
  epochEventSchema,
  z.object({
    type: z.literal('finished'),
    epochs: z.number().int(),
    seconds: z.number(),
    /** Why the run ended, one sentence ("stopped early at epoch 9: …; best epoch 6 restored"). */
    reason: z.string().optional(),
    bestEpoch: z.number().int().optional(),
  }),
  z.object({
    type: z.literal('stopped'),
    epoch: z.number().int(),
    batch: z.number().int(),
    epochsCompleted: z.number().int(),
    seconds: z.number(),
    reason: z.string().optional(),
    bestEpoch: z.number().int().optional(),
  }),
  z.object({
    type: z.literal('failed'),
    code: z.string(),
    message: z.string(),
    epoch: z.number().int().optional(),
    task: z.string().optional(),
  }),
]);
export type TrainingEvent = z.infer<typeof trainingEventSchema>;
export type TrainingEventType = TrainingEvent['type'];
export type EventOf<T extends TrainingEventType> = Extract<TrainingEvent, { type: T }>;
