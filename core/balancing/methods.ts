import { z } from 'zod';

/**
 * Multi-task balancing: how the tasks' losses become the update of the shared trunk. Every
 * method works on the tasks' weighted losses (each head's loss weight × its loss), so a user's
 * scaling carries through; what a method adds is how it weighs or combines them. The rules and
 * their papers are named in each explanation; the engine implements each one in its own file.
 */
export const BALANCING_METHODS = [
  'fixed',
  'uncertainty',
  'dwa',
  'gradnorm',
  'famo',
  'rlw',
  'pcgrad',
  'mgda-ub',
  'cagrad',
  'imtl-g',
  'nash-mtl',
  'aligned-mtl',
] as const;
export type BalancingMethodName = (typeof BALANCING_METHODS)[number];

/** Loss level: about the cost of a plain step. Gradient level: one backward pass per task. */
export type BalancingLevel = 'loss' | 'gradient';

const param = (min: number, max: number, value: number, doc: string) =>
  z.number().min(min).max(max).default(value).describe(doc);
const whole = (min: number, max: number, value: number, doc: string) =>
  z
    .number()
    .int({ message: 'must be a whole number' })
    .min(min)
    .max(max)
    .default(value)
    .describe(doc);

export interface BalancingMethodSpec<S extends z.ZodObject = z.ZodObject> {
  readonly title: string;
  readonly level: BalancingLevel;
  /** One sentence for the run settings: what the method does. */
  readonly explain: string;
  /** Strict object: each parameter with bounds, a default and a one-line doc. */
  readonly params: S;
}

const spec = <S extends z.ZodObject>(s: BalancingMethodSpec<S>): BalancingMethodSpec<S> => s;

export const BALANCING = {
  fixed: spec({
    title: 'Fixed weights',
    level: 'loss',
    explain: "Steps on the sum of each task's loss times its head's loss weight, as Keras does.",
    params: z.strictObject({}),
  }),
  uncertainty: spec({
    title: 'Uncertainty weighting',
    level: 'loss',
    explain:
      'Learns a log-variance per task and weighs each loss by half its inverse variance, so noisier tasks count less (Kendall et al. 2018).',
    params: z.strictObject({
      learningRate: param(1e-5, 1, 0.01, 'Step size of the log-variances (their own Adam).'),
      clamp: param(0.5, 10, 4, 'The log-variances stay within ± this, so no weight explodes.'),
    }),
  }),
  dwa: spec({
    title: 'Dynamic Weight Average',
    level: 'loss',
    explain:
      'Gives more weight to tasks whose loss fell least over the last epoch (Liu et al. 2019); equal weights for the first two epochs.',
    params: z.strictObject({
      temperature: param(
        0.1,
        100,
        2,
        'Softness of the weighting: higher gives more equal weights.',
      ),
    }),
  }),
  gradnorm: spec({
    title: 'GradNorm',
    level: 'loss',
    explain:
      'Tunes the weights so each task pulls on the last shared layer with a gradient that matches how far it is behind (Chen et al. 2018).',
    params: z.strictObject({
      alpha: param(0, 5, 1.5, 'How strongly tasks that lag behind are pushed.'),
      learningRate: param(1e-5, 1, 0.025, 'Step size of the weights (their own Adam).'),
    }),
  }),
  famo: spec({
    title: 'FAMO',
    level: 'loss',
    explain:
      'Steps on a weighted sum of log-losses and moves the weights so that every task’s loss falls at the same rate (Liu et al. 2023).',
    params: z.strictObject({
      beta: param(1e-5, 1, 0.025, 'Step size of the task logits (their own Adam).'),
      gamma: param(0, 1, 0.001, 'Weight decay of the task logits.'),
    }),
  }),
  rlw: spec({
    title: 'Random loss weighting',
    level: 'loss',
    explain:
      'Weighs the tasks at random each step, K × the softmax of standard normal draws, from the run’s seed (Lin et al. 2021): a baseline any method should beat.',
    params: z.strictObject({}),
  }),
  pcgrad: spec({
    title: 'PCGrad',
    level: 'gradient',
    explain:
      "Where two tasks' gradients on the shared trunk point against each other, removes from each the part that opposes the other (Yu et al. 2020).",
    params: z.strictObject({}),
  }),
  'mgda-ub': spec({
    title: 'MGDA-UB',
    level: 'gradient',
    explain:
      'Weighs the tasks so the trunk takes the step that lowers every loss at once, from gradients on the shared representation (Sener & Koltun 2018).',
    params: z.strictObject({}),
  }),
  cagrad: spec({
    title: 'CAGrad',
    level: 'gradient',
    explain:
      'Follows the mean gradient but bends it, within a radius, towards the task that gains least, so no task gets worse (Liu et al. 2021).',
    params: z.strictObject({
      c: param(0, 10, 0.4, 'Radius around the mean gradient: 0 is plain averaging.'),
    }),
  }),
  'imtl-g': spec({
    title: 'IMTL-G',
    level: 'gradient',
    explain:
      'Combines the tasks’ trunk gradients so the step has the same projection on every task’s gradient direction, in closed form (Liu et al. 2021).',
    params: z.strictObject({}),
  }),
  'nash-mtl': spec({
    title: 'Nash-MTL',
    level: 'gradient',
    explain:
      'Weighs the tasks by the Nash bargaining solution α of GᵀGα = 1/α on their trunk gradients, and caps the trunk step’s norm (Navon et al. 2022).',
    params: z.strictObject({
      updateWeightsEvery: whole(
        1,
        1000,
        1,
        'Steps between solving for the weights; between them the last weights are reused at the cost of a plain step.',
      ),
      maxNorm: param(0, 1000, 1, 'Largest norm of the trunk’s gradient; 0 leaves it unclipped.'),
      optimNiter: whole(1, 100, 20, 'Newton iterations of the bargaining problem at most.'),
    }),
  }),
  'aligned-mtl': spec({
    title: 'Aligned-MTL',
    level: 'gradient',
    explain:
      'Aligns the principal components of the tasks’ trunk gradients so their system is well conditioned, scaled by its smallest singular value (Senushkin et al. 2023).',
    params: z.strictObject({}),
  }),
} as const satisfies Record<BalancingMethodName, BalancingMethodSpec>;

export type BalancingParams<M extends BalancingMethodName> = z.infer<
  (typeof BALANCING)[M]['params']
>;

export const balancingSpec = (method: BalancingMethodName): BalancingMethodSpec =>
  BALANCING[method] as unknown as BalancingMethodSpec;

export const isBalancingMethod = (name: string): name is BalancingMethodName =>
  (BALANCING_METHODS as readonly string[]).includes(name);

/**
 * `training.balancing` of a graph: the method, its parameters (checked against the method's own
 * schema; missing ones take their defaults) and how often the trunk's gradients are probed.
 */
export const balancingSettingsSchema = z
  .strictObject({
    method: z
      .enum(BALANCING_METHODS)
      .default('fixed')
      .describe('How the tasks’ losses become the update of the shared trunk.'),
    params: z
      .record(z.string(), z.number())
      .default({})
      .describe('The method’s own parameters; missing ones take their defaults.'),
    probesPerEpoch: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(4)
      .describe('How often per epoch the tasks’ trunk gradients are measured on a fixed batch.'),
  })
  .superRefine((value, ctx) => {
    const parsed = balancingSpec(value.method).params.safeParse(value.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          path: ['params', ...issue.path],
          message: `${value.method}: ${issue.message}`,
        });
      }
    }
  });
export type BalancingSettings = z.infer<typeof balancingSettingsSchema>;

/** The method's parameters with defaults filled in. */
export const balancingParams = (settings: BalancingSettings): Record<string, number> =>
  balancingSpec(settings.method).params.parse(settings.params) as Record<string, number>;
