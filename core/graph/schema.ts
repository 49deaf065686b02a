import { z } from 'zod';
import { balancingSettingsSchema } from '../balancing/methods.ts';
import { NODE_ID_PATTERN } from '../ids.ts';
import { NODE_KIND_NAMES } from '../nodes/registry.ts';
import {
  clipNormField,
  earlyStoppingSchema,
  scheduleSchema,
  weightDecayField,
} from './training-control.ts';
import { unfreezeAtField, unfreezeLearningRateField, unfreezeNodesField } from './trainable.ts';

export const GRAPH_FORMAT = 'multitask-studio/graph';
export const GRAPH_VERSION = 1;

const finite = () => z.number().refine(Number.isFinite, 'expected a finite number');

export const positionSchema = z.strictObject({ x: finite(), y: finite() });

export const graphNodeSchema = z.strictObject({
  id: z
    .string()
    .regex(
      NODE_ID_PATTERN,
      'a node id starts with a letter and has only letters, digits, _ and - (at most 64)',
    ),
  kind: z.enum(NODE_KIND_NAMES),
  label: z.string().max(100).optional(),
  /**
   * Checked against the kind's own schema by the analysis, so one bad value marks one node. Kept
   * as given (a record schema would copy it and silently drop a `__proto__` key, which the kind's
   * schema must see to refuse like any other unknown key).
   */
  params: z
    .custom<Record<string, unknown>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'expected an object of parameters',
    )
    .prefault({}),
  position: positionSchema.prefault({ x: 0, y: 0 }),
});

export const graphEdgeSchema = z.strictObject({
  id: z.string().min(1).max(200),
  source: z.string().min(1),
  target: z.string().min(1),
  /** Single-input nodes have the port 'in'; merge nodes have 'in0', 'in1', … */
  targetPort: z.string().min(1).default('in'),
});

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

/** How an imported dataset (a CSV, COCO, YOLO, VOC or image-folder path) is read; built-ins use only its augmentation. */
export const IMPORT_FORMAT_NAMES = ['csv', 'coco', 'yolo', 'voc', 'folder'] as const;

export const augmentSettingsSchema = z.strictObject({
  flip: z
    .boolean()
    .default(false)
    .describe(
      'Mirror training images left to right at random; leave off for digits and text, where a mirrored symbol is another one.',
    ),
  shift: z
    .number()
    .min(0)
    .max(0.3)
    .default(0)
    .describe('Largest random shift, as a share of the side.'),
  scale: z
    .number()
    .min(0)
    .max(0.3)
    .default(0)
    .describe('Largest random zoom in or out, as a share.'),
  brightness: z.number().min(0).max(0.5).default(0).describe('Largest random brightness change.'),
  contrast: z
    .number()
    .min(0)
    .max(0.5)
    .default(0)
    .describe('Largest random contrast change, as a share.'),
});

export const datasetOptionsSchema = z.strictObject({
  format: z
    .enum(IMPORT_FORMAT_NAMES)
    .optional()
    .describe('The layout of an imported dataset; detected from the path when absent.'),
  boxUnits: z
    .enum(['auto', 'pixels', 'normalized'])
    .default('auto')
    .describe('CSV boxes in pixels or as fractions of the image; auto decides from the values.'),
  objectChoice: z
    .enum(['largest', 'first'])
    .default('largest')
    .describe('Which object of an image with several the single-object heads learn.'),
  resize: z
    .enum(['letterbox', 'stretch'])
    .default('letterbox')
    .describe('Fit images to the Input size keeping their shape (letterbox) or not (stretch).'),
  validationFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe('Share of images for validation when the data has no split of its own.'),
  testFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe('Share of images for testing when the data has no split of its own.'),
  onBadRows: z
    .enum(['skip', 'stop'])
    .default('skip')
    .describe('Skip bad rows and images and train on the rest, or stop before training.'),
  cache: z.boolean().default(true).describe('Keep decoded images for later epochs.'),
  attributes: z
    .string()
    .max(4000)
    .optional()
    .describe('CSV: names of 0/1 columns, comma-separated, that together are one attributes task.'),
  depthScale: z
    .number()
    .positive()
    .max(1000)
    .optional()
    .describe(
      'CSV: metres per unit of 16-bit depth PNGs whose row has no depth_scale; 0.001 when absent.',
    ),
  augment: augmentSettingsSchema.prefault({}),
});
export type DatasetOptions = z.infer<typeof datasetOptionsSchema>;

export const trainingSettingsSchema = z.strictObject({
  optimizer: z.enum(OPTIMIZERS).default('adam').describe('Adam, SGD with momentum or RMSprop.'),
  learningRate: z.number().gt(0).max(10).default(0.001).describe('Step size of the optimizer.'),
  momentum: z
    .number()
    .min(0)
    .lt(1)
    .default(0.9)
    .describe('Momentum for SGD and RMSprop; Adam ignores it.'),
  batchSize: z.number().int().min(1).max(4096).default(32).describe('Samples per step.'),
  epochs: z.number().int().min(1).max(10000).default(5).describe('Passes over the training split.'),
  shuffle: z.boolean().default(true).describe('Shuffle the training split every epoch.'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42)
    .describe('Seed for data, initial weights and shuffling.'),
  dataset: z
    .string()
    .min(1)
    .default('digits')
    .describe(
      'A built-in dataset (digits, multidigits, shapes, digits-scenes, scenes, shapes-scenes) or the path of an imported one.',
    ),
  datasetOptions: datasetOptionsSchema
    .prefault({})
    .describe('How an imported dataset is read and split, and how training images are augmented.'),
  limit: z
    .number()
    .int()
    .min(3)
    .optional()
    .describe('Use only this many samples in all (quick runs).'),
  initialWeights: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A TensorFlow.js model.json, a Keras .keras or .h5 file, or an ONNX model, whose weights (matched by layer name) training starts from.',
    ),
  earlyStopping: earlyStoppingSchema
    .prefault({})
    .describe('Which validation value picks the best epoch, and when to stop early.'),
  schedule: scheduleSchema.prefault({}).describe('How the learning rate changes during training.'),
  weightDecay: weightDecayField(),
  clipNorm: clipNormField(),
  unfreezeAt: unfreezeAtField(),
  unfreeze: unfreezeNodesField(),
  unfreezeLearningRate: unfreezeLearningRateField(),
  balancing: balancingSettingsSchema
    .prefault({})
    .describe('Multi-task balancing: how the tasks’ losses update the shared trunk.'),
});

/**
 * Overrides of some training settings (command-line flags, the run panel): the same fields and
 * bounds without defaults, so naming one setting never resets the others.
 */
export const trainingSettingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(trainingSettingsSchema.shape).map(([key, field]) => [
      key,
      (field instanceof z.ZodDefault || field instanceof z.ZodPrefault
        ? field.unwrap()
        : field
      ).optional(),
    ]),
  ),
) as unknown as z.ZodType<Partial<z.infer<typeof trainingSettingsSchema>>>;

export const graphDocumentSchema = z
  .strictObject({
    format: z.literal(GRAPH_FORMAT),
    version: z.literal(GRAPH_VERSION),
    name: z.string().min(1).max(200).default('Untitled graph'),
    description: z.string().max(5000).default(''),
    nodes: z.array(graphNodeSchema).max(5000),
    edges: z.array(graphEdgeSchema).max(20000).default([]),
    training: trainingSettingsSchema.prefault({}),
  })
  .superRefine((doc, ctx) => {
    const unique = (list: 'nodes' | 'edges', word: string) => {
      const seen = new Set<string>();
      doc[list].forEach(({ id }, i) => {
        if (seen.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: [list, i, 'id'],
            message: `the ${word} id '${id}' is used twice; ${word} ids must be unique`,
          });
        }
        seen.add(id);
      });
      return seen;
    };
    const nodeIds = unique('nodes', 'node');
    unique('edges', 'link');
    doc.edges.forEach((edge, i) => {
      for (const end of ['source', 'target'] as const) {
        if (!nodeIds.has(edge[end])) {
          ctx.addIssue({
            code: 'custom',
            path: ['edges', i, end],
            message: `expected the id of a node in the graph, but there is no node '${edge[end]}'`,
          });
        }
      }
    });
  });

export type GraphDocument = z.infer<typeof graphDocumentSchema>;
export type GraphNode = z.infer<typeof graphNodeSchema>;
export type GraphEdge = z.infer<typeof graphEdgeSchema>;
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;
export type OptimizerName = (typeof OPTIMIZERS)[number];
