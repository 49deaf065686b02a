import { z } from 'zod';
import { trainingSettingsPatchSchema } from '../graph/schema.ts';
import { splitMetricsSchema, trainingEventSchema } from './training.ts';

/**
 * The contract between the renderer and whatever hosts the engine: the browser host (a local
 * server over HTTP and a WebSocket) or the desktop shell (Electron IPC). Both implement
 * `StudioHost`; the engine side re-validates every request with these schemas.
 */

export const startRunRequestSchema = z.object({
  /** The graph document as the editor holds it; the engine loads and checks it again. */
  graph: z.unknown(),
  /** Overrides of the graph's own training settings, from the run panel. */
  settings: trainingSettingsPatchSchema.default({}),
});
export type StartRunRequest = z.input<typeof startRunRequestSchema>;

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

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
      targetKind: z.enum(['class', 'box', 'numeric']),
      /** Class: one-hot truth and the softmax; box: [xmin, ymin, xmax, ymax]; numeric: values. */
      truth: z.array(z.number()),
      prediction: z.array(z.number()),
      classes: z.array(z.string()).optional(),
    }),
  ),
});
export type GallerySample = z.infer<typeof gallerySampleSchema>;

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
  targets: z.array(
    z.union([
      z.object({ name: z.string(), kind: z.literal('class'), classes: z.array(z.string()) }),
      z.object({ name: z.string(), kind: z.literal('box') }),
      z.object({ name: z.string(), kind: z.literal('numeric'), columns: z.array(z.string()) }),
    ]),
  ),
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;

/** What the renderer may ask of its host. One method per channel. */
export interface StudioHost {
  readonly kind: 'browser' | 'desktop';
  listExamples(): Promise<ExampleGraph[]>;
  listDatasets(): Promise<DatasetInfo[]>;
  startRun(request: StartRunRequest): Promise<{ runId: string }>;
  /** Asks the run to stop between batches; the host kills it if it does not. */
  stopRun(runId: string): Promise<void>;
  /** Saves the trained model of a run where the user chooses (a download in the browser). */
  exportRun(runId: string): Promise<void>;
  /** Every host event; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
}
