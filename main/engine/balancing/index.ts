import {
  BALANCING,
  balancingParams,
  type BalancingMethodName,
  type BalancingSettings,
} from '../../../core/balancing/methods.ts';
import { pairKey } from '../../../core/balancing/objective.ts';
import { balancingRefusal } from '../../../core/balancing/trunk.ts';
import type { Diagnostics } from '../../../core/contract/training.ts';
import type { GraphAnalysis, HeadInfo } from '../../../core/graph/analyze.ts';
import type { NodeId } from '../../../core/ids.ts';
import { StudioError } from '../../../core/problems.ts';
import type { Batch } from '../batches.ts';
import { disposeBatch } from '../batches.ts';
import { tf, type LayersModel } from '../tf.ts';
import { alignedMtlMethod } from './aligned-mtl.ts';
import { cagradMethod } from './cagrad.ts';
import { dwaMethod } from './dwa.ts';
import { famoMethod } from './famo.ts';
import { fixedMethod } from './fixed.ts';
import { normsAndCosines } from './gram-math.ts';
import { gradnormMethod } from './gradnorm.ts';
import { imtlGMethod } from './imtl-g.ts';
import type { BalancingMethod, MethodFactory, StepOutcome } from './method.ts';
import { mgdaUbMethod } from './mgda-ub.ts';
import { nashMtlMethod } from './nash-mtl.ts';
import { pcgradMethod } from './pcgrad.ts';
import { rlwMethod } from './rlw.ts';
import { StepKit, type GradientUpdater } from './step-kit.ts';
import { uncertaintyMethod } from './uncertainty.ts';

/**
 * A probe (the tasks' trunk gradients on a fixed batch) costs about one and a half training
 * steps. `probesPerEpoch` spreads them over an epoch, but never closer than this many steps, so
 * an epoch of a few batches is not probed on every step (that halved training); an epoch none of
 * whose steps probed is probed on its last step, so every epoch has its diagnostics.
 */
const MIN_STEPS_BETWEEN_PROBES = 10;

/** Every method's file, by name: a method missing here fails to compile. */
const METHODS: Record<BalancingMethodName, MethodFactory<never>> = {
  fixed: fixedMethod,
  uncertainty: uncertaintyMethod,
  dwa: dwaMethod,
  gradnorm: gradnormMethod,
  famo: famoMethod,
  rlw: rlwMethod,
  pcgrad: pcgradMethod,
  'mgda-ub': mgdaUbMethod,
  cagrad: cagradMethod,
  'imtl-g': imtlGMethod,
  'nash-mtl': nashMtlMethod,
  'aligned-mtl': alignedMtlMethod,
};

/** Refuses, before training, a method that cannot apply to the graph, with the sentence why. */
export function assertBalancingApplies(
  analysis: GraphAnalysis,
  method: BalancingMethodName,
  unfrozenLater: ReadonlySet<NodeId> = new Set(),
): void {
  const refusal = balancingRefusal(analysis, method, unfrozenLater);
  if (refusal) throw new StudioError('E_BALANCING', refusal);
}

export interface BalancingOptions {
  readonly model: LayersModel;
  readonly analysis: GraphAnalysis;
  readonly heads: readonly HeadInfo[];
  /** Takes each step's gradients: the training control, which steps the optimizer. */
  readonly updater: GradientUpdater;
  readonly settings: BalancingSettings;
  readonly seed: number;
  /** The fixed batch the trunk's gradients are measured on; owned (disposed) by the balancing. */
  readonly probe?: Batch;
  readonly batchesPerEpoch: number;
  /** Frozen nodes the run unfreezes at some epoch: a trunk among them is not frozen for good. */
  readonly unfrozenLater?: ReadonlySet<NodeId>;
}

interface ProbeSums {
  count: number;
  norms: number[];
  cosines: number[][];
  conflicts: number;
  pairs: number;
  losses?: number[];
}

/**
 * The trainer's side of balancing: one step of the chosen method per batch, the effective
 * weights averaged per epoch, the trunk diagnostics on the probe batch every few steps, and the
 * method's state as JSON (checkpointed with the model as balancing.json).
 */
export class Balancing {
  readonly method: BalancingMethodName;
  readonly params: Record<string, number>;
  private readonly kit: StepKit;
  private readonly impl: BalancingMethod;
  private readonly probe: Batch | undefined;
  private readonly probeEvery: number;
  private steps = 0;
  /** Steps since the epoch began: the last one probes if none of the epoch's did. */
  private stepsThisEpoch = 0;
  private weightSums: number[];
  private weightSteps = 0;
  private probes: ProbeSums;
  private initialLosses: number[] | undefined;
  /** Steps of this epoch taken while the trunk was frozen (no trunk gradient to measure or balance). */
  private frozenSteps = 0;
  /** Each task's effective weight in the last step. */
  lastWeights: Record<string, number>;

  constructor(private readonly options: BalancingOptions) {
    const { settings, heads } = options;
    this.method = settings.method;
    this.params = balancingParams(settings);
    assertBalancingApplies(options.analysis, this.method, options.unfrozenLater);
    this.kit = new StepKit(options.model, options.analysis, heads, options.updater);
    const factory = METHODS[this.method] as MethodFactory<Record<string, number>>;
    this.impl = factory(this.kit, this.params, options.seed);
    this.probe = settings.probesPerEpoch > 0 ? options.probe : undefined;
    if (options.probe && !this.probe) disposeBatch(options.probe);
    this.probeEvery = Math.max(
      MIN_STEPS_BETWEEN_PROBES,
      Math.floor(options.batchesPerEpoch / settings.probesPerEpoch),
    );
    this.weightSums = heads.map(() => 0);
    this.probes = this.emptyProbes();
    this.lastWeights = this.named(heads.map((h) => h.lossWeight));
  }

  private emptyProbes(): ProbeSums {
    const k = this.options.heads.length;
    return {
      count: 0,
      norms: Array.from({ length: k }, () => 0),
      cosines: Array.from({ length: k }, () => Array.from({ length: k }, () => 0)),
      conflicts: 0,
      pairs: 0,
    };
  }

  private named(values: readonly number[]): Record<string, number> {
    return Object.fromEntries(this.options.heads.map((h, k) => [h.task, values[k] ?? 0]));
  }

  /** One training step; returns the batch's stats vector (per head: loss sum, metric sums). */
  async step(batch: Batch): Promise<Float32Array> {
    if (this.steps === 0 && this.probe && this.probes.count === 0 && !this.initialLosses) {
      await this.measure();
    }
    const { stats, coefficients } = await this.stepOn(batch);
    const weights = this.options.heads.map((h, k) => (coefficients[k] ?? 0) * h.lossWeight);
    weights.forEach((w, k) => (this.weightSums[k] = (this.weightSums[k] ?? 0) + w));
    this.weightSteps++;
    this.lastWeights = this.named(weights);
    this.steps++;
    this.stepsThisEpoch++;
    const lastOfEpoch = this.stepsThisEpoch === this.options.batchesPerEpoch;
    if (
      this.probe &&
      (this.steps % this.probeEvery === 0 || (lastOfEpoch && this.probes.count === 0))
    ) {
      await this.measure();
    }
    return stats;
  }

  /**
   * The method's step; while the trunk is frozen a gradient-level method has no trunk gradients
   * to combine, and each head steps on its own task's loss (what every such method reduces to
   * without shared weights), with no division by a zero gradient.
   */
  private async stepOn(batch: Batch): Promise<StepOutcome> {
    if (!this.kit.trunkFrozen) return this.impl.step(batch);
    this.frozenSteps++;
    if (BALANCING[this.method].level === 'loss') return this.impl.step(batch);
    const { stats } = await this.kit.lossStep(batch, (l) => tf.addN([...l]));
    return { stats, coefficients: this.options.heads.map(() => 1) };
  }

  /** After nodes are unfrozen: the step machinery takes the trainable variables afresh. */
  takeVariables(): void {
    this.kit.takeVariables();
  }

  /** The epoch's sentence about a frozen trunk, when some of its steps had one. */
  private frozenTrunkNote(): string | undefined {
    if (this.frozenSteps === 0) return undefined;
    const labels = this.kit.trunk.frozenTrunk
      .map((id) => this.options.analysis.nodes.get(id)?.label ?? id)
      .join(', ');
    const all = this.frozenSteps === this.options.batchesPerEpoch ? '' : ' for part of this epoch';
    const step =
      BALANCING[this.method].level === 'gradient'
        ? `${this.method} stepped each head on its own task's loss and `
        : '';
    return `The shared trunk was frozen${all} (${labels || 'every shared layer with weights'}), so it had no gradient: ${step}no gradient conflicts were measured while it was.`;
  }

  private async measure(): Promise<void> {
    // A frozen trunk has no gradient: its norms and cosines would be 0 / 0.
    if (this.kit.trunkFrozen) return;
    const { gram, losses } = await this.kit.trunkGram(this.probe as Batch);
    this.initialLosses ??= losses.map((l) => Math.max(l, 1e-12));
    const { norms, cosine } = normsAndCosines(gram);
    const p = this.probes;
    p.count++;
    norms.forEach((n, i) => (p.norms[i] = (p.norms[i] ?? 0) + n));
    cosine.forEach((row, i) =>
      row.forEach((c, j) => {
        const sums = p.cosines[i] as number[];
        sums[j] = (sums[j] ?? 0) + c;
        if (j > i) {
          p.pairs++;
          if (c < 0) p.conflicts++;
        }
      }),
    );
    p.losses = losses;
  }

  /**
   * Closes an epoch with each task's epoch-mean weighted loss: the epoch's mean effective weights
   * and, when the trunk was probed, its diagnostics.
   */
  endEpoch(meanWeightedLosses: readonly number[]): {
    weights: Record<string, number>;
    diagnostics?: Diagnostics;
    trunkNote?: string;
  } {
    this.impl.endEpoch?.(meanWeightedLosses);
    const note = this.frozenTrunkNote();
    const trunkNote = note ? { trunkNote: note } : {};
    this.frozenSteps = 0;
    const n = Math.max(this.weightSteps, 1);
    const weights = this.named(this.weightSums.map((s) => s / n));
    this.weightSums = this.weightSums.map(() => 0);
    this.weightSteps = 0;
    this.stepsThisEpoch = 0;
    const p = this.probes;
    this.probes = this.emptyProbes();
    if (p.count === 0) return { weights, ...trunkNote };
    const heads = this.options.heads;
    const cosine: Record<string, number> = {};
    heads.forEach((a, i) =>
      heads.forEach((b, j) => {
        if (j > i) cosine[pairKey(a.task, b.task)] = (p.cosines[i]?.[j] ?? 0) / p.count;
      }),
    );
    return {
      weights,
      ...trunkNote,
      diagnostics: {
        gradNorm: this.named(p.norms.map((s) => s / p.count)),
        cosine,
        conflictShare: p.pairs ? p.conflicts / p.pairs : 0,
        lossRatio: this.named((p.losses ?? []).map((l, k) => l / (this.initialLosses?.[k] ?? 1))),
      },
    };
  }

  /** The method's learnable or running state and the diagnostics' reference losses, as JSON. */
  getState(): unknown {
    return {
      method: this.method,
      params: this.params,
      steps: this.steps,
      initialLosses: this.initialLosses ?? null,
      state: this.impl.getState(),
    };
  }

  /** Restores a state from getState() of the same method on the same graph. */
  setState(state: unknown): void {
    const saved = state as {
      method?: unknown;
      steps?: unknown;
      initialLosses?: unknown;
      state?: unknown;
    };
    if (saved?.method !== this.method) {
      throw new Error(
        `the saved balancing state is for '${String(saved?.method)}', not '${this.method}'`,
      );
    }
    this.impl.setState(saved.state);
    this.steps = typeof saved.steps === 'number' ? saved.steps : 0;
    this.initialLosses = Array.isArray(saved.initialLosses)
      ? (saved.initialLosses as number[])
      : undefined;
  }

  dispose(): void {
    if (this.probe) disposeBatch(this.probe);
  }
}
