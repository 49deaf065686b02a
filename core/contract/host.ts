import { z } from 'zod';
import { BALANCING_METHODS } from '../balancing/methods.ts';
import { sweepFileSchema } from '../balancing/sweep.ts';
import { datasetTargetSchema, TASK_KINDS } from '../tasks/registry.ts';
import type { ExportOptions } from './export.ts';
import {
  datasetOptionsSchema,
  trainingSettingsPatchSchema,
  trainingSettingsSchema,
} from '../graph/schema.ts';
import {
  backendInfoSchema,
  datasetReportSchema,
  epochEventSchema,
  splitMetricsSchema,
  trainingEventSchema,
} from './training.ts';

/**
 * The contract between the renderer and whatever hosts the engine: the browser host (a local
 * server over HTTP and a WebSocket) or the desktop shell (Electron IPC). Both implement
 * `StudioHost`; the engine side re-validates every request with these schemas.
 */

/**
 * A run's name as the user sees and edits it: trimmed, 1–120 characters, no control characters.
 * Kept in the run's run.json; a run without one is named after its graph.
 */
export const runNameSchema = z
  .string()
  .trim()
  .min(1, 'a run name cannot be empty')
  .max(120, 'a run name has at most 120 characters')
  // eslint-disable-next-line no-control-regex
  .refine((name) => !/[\u0000-\u001f\u007f-\u009f]/.test(name), {
    message: 'a run name cannot hold control characters',
  });

export const startRunRequestSchema = z.object({
  /** The graph document as the editor holds it; the engine loads and checks it again. */
  graph: z.unknown(),
  /** The name the run panel shows for the run; kept in its run.json. */
  name: runNameSchema.optional(),
  /** Overrides of the graph's own training settings, from the run panel. */
  settings: trainingSettingsPatchSchema.default({}),
});
export type StartRunRequest = z.input<typeof startRunRequestSchema>;

/** Continue a stopped, finished or failed run from its last epoch, to `epochs` in all. */
export const resumeRunRequestSchema = z.strictObject({
  epochs: trainingSettingsSchema.shape.epochs.unwrap().optional(),
});
export type ResumeRunRequest = z.infer<typeof resumeRunRequestSchema>;

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

/** A new name for a run, this session's or an earlier one. */
export const renameRunRequestSchema = z.strictObject({ runId: runIdSchema, name: runNameSchema });
export type RenameRunRequest = z.input<typeof renameRunRequestSchema>;

/** One validation image with each head's truth and prediction, for the results gallery. */
export const gallerySampleSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  channels: z.number().int(),
  /** The image's bytes, HWC, 0–255, base64. */
  pixels: z.string(),
  heads: z.array(
    z.object({
      task: z.string(),
      targetKind: z.enum(TASK_KINDS),
      /** The head's params, for a view that depends on them (a detection head's threshold). */
      params: z.record(z.string(), z.unknown()).optional(),
      /** In the head's output layout: a class one-hot and the softmax, a box's corners, … */
      truth: z.array(z.number()),
      prediction: z.array(z.number()),
      /** The target's names: classes, or attributes. */
      classes: z.array(z.string()).optional(),
      /** The head's output per sample, for a head on a feature map ([H, W, C]). */
      shape: z.array(z.number().int()).optional(),
    }),
  ),
});
export type GallerySample = z.infer<typeof gallerySampleSchema>;

/** A detection head's COCO evaluation on the test split: per-class AP and PR curves at IoU 0.5. */
export const detectionSummarySchema = z.object({
  task: z.string(),
  /** The twelve COCO numbers, pycocotools' order. */
  stats: z.array(z.number()),
  perClass: z.array(
    z.object({ name: z.string(), ap: z.number(), ap50: z.number(), ap75: z.number() }),
  ),
  curves: z.array(
    z.object({ name: z.string(), recall: z.array(z.number()), precision: z.array(z.number()) }),
  ),
});
export type DetectionSummary = z.infer<typeof detectionSummarySchema>;

export const runStatusSchema = z.enum(['starting', 'running', 'finished', 'stopped', 'failed']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const hostEventSchema = z.discriminatedUnion('type', [
  /** A training event of one run, exactly as the trainer emitted it. */
  z.object({ type: z.literal('run'), runId: runIdSchema, event: trainingEventSchema }),
  /** After a run: its test evaluation (when it finished) and sample predictions. */
  z.object({
    type: z.literal('run-result'),
    runId: runIdSchema,
    test: splitMetricsSchema.optional(),
    gallery: z.array(gallerySampleSchema),
    detection: z.array(detectionSummarySchema).optional(),
  }),
  /** The run is over, whatever happened; `message` says why when it failed. */
  z.object({
    type: z.literal('run-ended'),
    runId: runIdSchema,
    status: z.enum(['finished', 'stopped', 'failed']),
    message: z.string().optional(),
  }),
]);
export type HostEvent = z.infer<typeof hostEventSchema>;

/** A run kept on disk, as the list of earlier runs shows it; read from its run.json and metrics.json. */
export const savedRunInfoSchema = z.object({
  /** The run folder's name: what export and open take. */
  runId: runIdSchema,
  graphName: z.string(),
  /** The name the user gave the run, when its run.json keeps one. */
  name: z.string().optional(),
  /** ISO time the run started. */
  createdAt: z.string(),
  /** 'running' for a run in progress, or one whose process ended without saying how. */
  status: z.enum(['running', 'finished', 'stopped', 'failed']),
  epochsCompleted: z.number().int(),
  /** The epochs the run was set to train. */
  epochs: z.number().int(),
  /** The dataset's name, or an imported dataset's path. */
  dataset: z.string(),
  /** The balancing method it trained with. */
  balancing: z.enum(BALANCING_METHODS).optional(),
  /** The test evaluation of a finished run. */
  test: splitMetricsSchema.optional(),
  /** Why it failed. */
  message: z.string().optional(),
});
export type SavedRunInfo = z.infer<typeof savedRunInfoSchema>;

/** A run kept on disk, everything the run panel shows of it: no batch losses are kept. */
export const savedRunSchema = z.object({
  info: savedRunInfoSchema,
  /** The run's graph.json; the renderer loads it like any graph document. */
  graph: z.unknown(),
  settings: trainingSettingsSchema,
  backend: backendInfoSchema,
  datasetSizes: z.object({
    train: z.number().int(),
    validation: z.number().int(),
    test: z.number().int(),
  }),
  datasetReport: datasetReportSchema.optional(),
  /** One event per finished epoch, as the trainer emitted it. */
  history: z.array(epochEventSchema),
  /** The sample predictions the run kept (none for runs from before runs kept them). */
  gallery: z.array(gallerySampleSchema).default([]),
});
export type SavedRun = z.infer<typeof savedRunSchema>;

/** A sweep kept in the runs folder: its folder's name and its table (sweep.json). */
export const savedSweepSchema = z.object({ id: runIdSchema, sweep: sweepFileSchema });
export type SavedSweep = z.infer<typeof savedSweepSchema>;

export const exampleGraphSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  document: z.unknown(),
});
export type ExampleGraph = z.infer<typeof exampleGraphSchema>;

export const datasetInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  fullSize: z.number().int(),
  targets: z.array(datasetTargetSchema),
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;

const range = z.object({ min: z.number(), mean: z.number(), max: z.number() });

/** What a check of an imported dataset found: counts, statistics and the bad-row report. */
export const datasetSummarySchema = z.object({
  format: z.string(),
  source: z.string(),
  splitFrom: z.enum(['data', 'ratio']),
  images: z.object({
    train: z.number().int(),
    validation: z.number().int(),
    test: z.number().int(),
  }),
  classes: z.array(
    z.object({
      name: z.string(),
      train: z.number().int(),
      validation: z.number().int(),
      test: z.number().int(),
    }),
  ),
  /** Further tasks (CSV label columns, attributes): images per class, or per attribute on. */
  tasks: z
    .array(
      z.object({
        task: z.string(),
        kind: z.enum(['class', 'attributes']),
        classes: z.array(
          z.object({
            name: z.string(),
            train: z.number().int(),
            validation: z.number().int(),
            test: z.number().int(),
          }),
        ),
      }),
    )
    .optional(),
  /** Chosen boxes, as fractions of their image. */
  boxes: z
    .object({
      count: z.number().int(),
      width: range,
      height: range,
      centerX: range,
      centerY: range,
    })
    .optional(),
  values: z.array(
    z.object({ column: z.string(), min: z.number(), mean: z.number(), max: z.number() }),
  ),
  objectChoice: z.string(),
  multiObjectImages: z.number().int(),
  /** What the objects target keeps for a detection head; absent without boxes. */
  objects: z
    .object({
      count: z.number().int(),
      ignored: z.number().int(),
      crowdedImages: z.number().int(),
      leftOut: z.number().int(),
      /** Background images (no objects, or only ignored ones), kept for a detection head. */
      background: z.number().int().optional(),
      /** Those of them without a label file (YOLO). */
      noLabelFile: z.number().int().optional(),
    })
    .optional(),
  boxUnits: z
    .object({ units: z.enum(['pixels', 'normalized']), how: z.enum(['stated', 'detected']) })
    .optional(),
  /** Bad rows by kind. */
  badRowCounts: z.record(z.string(), z.number().int()),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

export const badRowSchema = z.object({
  kind: z.string(),
  where: z.string(),
  message: z.string(),
  action: z.enum(['dropped', 'fixed']),
});
export type BadRowInfo = z.infer<typeof badRowSchema>;

/** A small picture of one image of a dataset with its chosen object, for the import preview. */
export const datasetPreviewSchema = z.object({
  key: z.string(),
  split: z.enum(['train', 'validation', 'test']),
  width: z.number().int(),
  height: z.number().int(),
  channels: z.number().int(),
  /** Base64 of width*height*channels bytes, HWC. */
  pixels: z.string(),
  className: z.string(),
  /** The box in the picture's own unit coordinates. */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
});
export type DatasetPreview = z.infer<typeof datasetPreviewSchema>;

export const inspectDatasetRequestSchema = z.object({
  path: z.string().min(1).max(4096),
  options: datasetOptionsSchema.prefault({}),
});
export type InspectDatasetRequest = z.input<typeof inspectDatasetRequestSchema>;

export const datasetInspectionSchema = z.object({
  /** The dataset as the run panel and the inspector list it: name = the path. */
  info: datasetInfoSchema,
  summary: datasetSummarySchema,
  /** The first bad rows (at most 500) and how many there are in all. */
  badRows: z.array(badRowSchema),
  badRowTotal: z.number().int(),
  preview: z.array(datasetPreviewSchema),
});
export type DatasetInspection = z.infer<typeof datasetInspectionSchema>;

/**
 * The most bytes of a model file (.keras, .h5) the page hands its host to read: the files are
 * read whole, config and weights together.
 */
export const MAX_MODEL_FILE_BYTES = 1024 ** 3;

/** What the host read of a Keras model file: its model config, as the file holds it. */
export const modelFileSchema = z.object({ model: z.unknown() });
export type ModelFile = z.infer<typeof modelFileSchema>;

/** Desktop: which dialog to show. Browser: the zip the user picked, uploaded as is. */
export type DatasetChoice =
  | { readonly kind: 'file' | 'folder' }
  | { readonly kind: 'upload'; readonly name: string; readonly data: ArrayBuffer };

/** What the renderer may ask of its host. One method per channel. */
export interface StudioHost {
  readonly kind: 'browser' | 'desktop';
  listExamples(): Promise<ExampleGraph[]>;
  listDatasets(): Promise<DatasetInfo[]>;
  /** Reads and checks an imported dataset at a path on the host's machine. */
  inspectDataset(request: InspectDatasetRequest): Promise<DatasetInspection>;
  /**
   * Lets the user pick a dataset file or folder: a native dialog on the desktop; in the browser,
   * the picked zip is uploaded and unpacked on the host's machine. Resolves to the dataset's
   * path there, or null when the user cancels.
   */
  chooseDataset(choice: DatasetChoice): Promise<string | null>;
  /**
   * Reads a model file (.keras, .h5, .onnx) the user opened or dropped, on the host, where HDF5
   * can be read (the page's CSP allows no WebAssembly): its model config, or the sentence why not.
   */
  readModelFile(name: string, data: ArrayBuffer): Promise<ModelFile>;
  startRun(request: StartRunRequest): Promise<{ runId: string }>;
  /** Asks the run to stop between batches; the host kills it if it does not. */
  stopRun(runId: string): Promise<void>;
  /** Trains a run on from its last epoch in a new process; its events come under the same id. */
  resumeRun(runId: string, request?: ResumeRunRequest): Promise<{ runId: string }>;
  /** Names a run (this session's or an earlier one); the name is kept in its run.json. */
  renameRun(runId: string, name: string): Promise<void>;
  /**
   * Saves the trained model of a run where the user chooses, in a format (a zip download in the
   * browser, a folder on the desktop); the best checkpoint as TensorFlow.js when not told.
   */
  exportRun(runId: string, options?: ExportOptions): Promise<void>;
  /** The runs kept in the host's runs folder, this session's included, newest first. */
  listRuns(): Promise<SavedRunInfo[]>;
  /** One kept run, read back for the run panel. */
  openRun(runId: string): Promise<SavedRun>;
  /** The sweeps (method comparisons) kept in the host's runs folder, newest first. */
  listSweeps(): Promise<SavedSweep[]>;
  /** Every host event; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
}
