import type { GraphAnalysis, HeadInfo } from '../../../core/graph/analyze.ts';
import type { NodeId } from '../../../core/ids.ts';
import type { Batch } from '../batches.ts';
import { outputsOf } from '../evaluate.ts';
import { batchLosses, batchMeanLosses } from '../split-stats.ts';
import { perSampleLoss } from '../tasks/index.ts';
import { tf, type LayersModel, type Tensor } from '../tf.ts';
import type { Gram } from './gram-math.ts';
import { mapTrunk, runLayers, scaleGradient, type TrunkMap } from './trunk.ts';

/** What one step reads back: the batch's stats vector and each task's weighted mean loss. */
export interface StepRead {
  readonly stats: Float32Array;
  /** Per head: loss weight × mean loss over the batch (L̃_k). */
  readonly losses: readonly number[];
}

export type Scalar = tf.Scalar;

/** A gradient-level method's answer when its heads' gradients are scaled too (Nash-MTL). */
export interface TrunkAndHeads {
  readonly trunk: number[];
  readonly heads: readonly number[];
}

/**
 * Where a step's gradients go: the run's training control (learning-rate schedule,
 * regularisation, clipping, then the optimizer), or a bare optimizer. The caller of
 * applyGradients disposes the gradients.
 */
export interface GradientUpdater {
  applyGradients(grads: tf.NamedTensorMap): void;
}

/** L̃_k = loss weight × mean loss: what every method combines. */
export const weightedLosses = (heads: readonly HeadInfo[], means: readonly Tensor[]): Scalar[] =>
  means.map((m, k) => m.mul((heads[k] as HeadInfo).lossWeight) as Scalar);

/** Σ L̃_k: the total `fixed` steps on (and the bare loops of the benchmarks). */
export const fixedTotal = (heads: readonly HeadInfo[], means: readonly Tensor[]): Scalar =>
  tf.addN(weightedLosses(heads, means));

/**
 * The tensor work every balancing method is built from, so that a method is a few lines of
 * arithmetic on small vectors: one update step on a combination of the weighted task losses,
 * one on per-task trunk gradients combined by coefficients, one with per-task gradient scales
 * into the trunk, and the measurements some methods need.
 */
export class StepKit {
  private trunkMap!: TrunkMap;
  private variables!: tf.Variable[];
  private readonly inputId: NodeId;

  constructor(
    private readonly model: LayersModel,
    private readonly analysis: GraphAnalysis,
    readonly heads: readonly HeadInfo[],
    private readonly updater: GradientUpdater,
  ) {
    this.inputId = analysis.inputId as NodeId;
    this.takeVariables();
  }

  /** The variables that are trainable now: at the start, and again after nodes are unfrozen. */
  takeVariables(): void {
    this.trunkMap = mapTrunk(this.model, this.analysis, this.heads);
    this.variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  get trunk(): TrunkMap {
    return this.trunkMap;
  }

  /** The trunk has weights, all of them frozen for now: the tasks share no gradient. */
  get trunkFrozen(): boolean {
    return this.trunkMap.trunkVariables.length === 0 && this.trunkMap.frozenTrunk.length > 0;
  }

  get taskCount(): number {
    return this.heads.length;
  }

  private read(stats: Float32Array, size: number): StepRead {
    const means = batchMeanLosses(this.heads, stats, size);
    return { stats, losses: this.heads.map((h, k) => h.lossWeight * (means[k] as number)) };
  }

  private weighted(means: readonly Tensor[]): Scalar[] {
    return weightedLosses(this.heads, means);
  }

  /** One optimizer step on `combine(L̃)`, the weighted task losses as scalars with gradients. */
  async lossStep(batch: Batch, combine: (losses: readonly Scalar[]) => Tensor): Promise<StepRead> {
    let stats: Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const preds = outputsOf(this.model.apply(batch.x, { training: true }) as Tensor | Tensor[]);
      const l = batchLosses(this.heads, batch.ys, preds);
      stats = tf.keep(l.stats);
      return combine(this.weighted(l.means)) as Scalar;
    }, this.variables);
    this.updater.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    return this.readStats(stats as Tensor, batch.size);
  }

  /**
   * One optimizer step on Σ w_k L̃_k with the trunk's part of the gradient scaled down to norm
   * `maxNorm` where it is longer (0: never), as clip_grad_norm_ on the shared parameters does.
   * Returns the scale the trunk's gradient took.
   */
  async clippedLossStep(
    batch: Batch,
    weights: readonly number[],
    maxNorm: number,
  ): Promise<StepRead & { trunkScale: number }> {
    let stats: Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const preds = outputsOf(this.model.apply(batch.x, { training: true }) as Tensor | Tensor[]);
      const l = batchLosses(this.heads, batch.ys, preds);
      stats = tf.keep(l.stats);
      return tf.addN(this.weighted(l.means).map((x, k) => x.mul(weights[k] ?? 0))) as Scalar;
    }, this.variables);
    const trunk = this.trunk.trunkVariables.flatMap((v) => grads[v.name] ?? []);
    let norm = 0;
    if (trunk.length) {
      const squares = tf.tidy(() => tf.addN(trunk.map((g) => tf.sum(tf.square(g)))));
      norm = Math.sqrt((await squares.data())[0] ?? 0);
      squares.dispose();
    }
    const trunkScale = maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
    const scaled: Tensor[] = [];
    if (trunkScale !== 1) {
      for (const v of this.trunk.trunkVariables) {
        const g = grads[v.name];
        if (!g) continue;
        grads[v.name] = g.mul(trunkScale);
        scaled.push(g);
      }
    }
    this.updater.applyGradients(grads);
    tf.dispose([value, ...scaled, ...Object.values(grads)]);
    return { ...(await this.readStats(stats as Tensor, batch.size)), trunkScale };
  }

  private async readStats(stats: Tensor, size: number): Promise<StepRead> {
    const values = (await stats.data()) as Float32Array;
    stats.dispose();
    return this.read(values, size);
  }

  /**
   * One backward pass per task through the whole model; the trunk steps on Σ c_k g_k with c
   * from the Gram matrix of the tasks' trunk gradients, each head on its own task's gradient.
   */
  async gradientStep(
    batch: Batch,
    coefficients: (gram: Gram) => number[] | TrunkAndHeads,
  ): Promise<StepRead & { gram: Gram; coefficients: number[] }> {
    let stats: Tensor | undefined;
    let restore: (() => void) | undefined;
    const perTask = this.heads.map((head, k) => {
      // Every pass runs in training mode; the moving statistics move with the first only.
      if (k === 1) restore = this.keepMovingStats();
      return tf.variableGrads(() => {
        const preds = outputsOf(this.model.apply(batch.x, { training: true }) as Tensor | Tensor[]);
        if (k === 0) stats = tf.keep(batchLosses(this.heads, batch.ys, preds).stats);
        return perSampleLoss(head, batch.ys[k] as Tensor, preds[k] as Tensor)
          .mean()
          .mul(head.lossWeight) as Scalar;
      }, [...this.trunk.trunkVariables, ...(this.trunk.branchVariables[k] ?? [])]);
    });
    restore?.();
    const grads = perTask.map((p) => p.grads);
    try {
      const gram = await this.gramOf(grads);
      const answer = coefficients(gram);
      const c = Array.isArray(answer) ? answer : answer.trunk;
      const heads = Array.isArray(answer) ? undefined : answer.heads;
      const combined: Record<string, Tensor> = {};
      const made: Tensor[] = [];
      for (const v of this.trunk.trunkVariables) {
        combined[v.name] = tf.tidy(() =>
          tf.addN(grads.map((g, k) => (g[v.name] ?? tf.zerosLike(v)).mul(c[k] ?? 0))),
        );
        made.push(combined[v.name] as Tensor);
      }
      this.trunk.branchVariables.forEach((vars, k) => {
        for (const v of vars) {
          const g = grads[k]?.[v.name];
          if (!g) continue;
          combined[v.name] = heads ? g.mul(heads[k] ?? 0) : g;
          if (heads) made.push(combined[v.name] as Tensor);
        }
      });
      this.updater.applyGradients(combined);
      tf.dispose(made);
      return { ...(await this.readStats(stats as Tensor, batch.size)), gram, coefficients: c };
    } finally {
      tf.dispose(perTask.flatMap((p) => [p.value, ...Object.values(p.grads)]));
    }
  }

  /** Gram matrix of the tasks' gradients on the trunk variables, read back as numbers. */
  private async gramOf(grads: readonly tf.NamedTensorMap[]): Promise<number[][]> {
    const vars = this.trunk.trunkVariables;
    const k = grads.length;
    if (vars.length === 0) return grads.map(() => Array.from({ length: k }, () => 0));
    const gram = tf.tidy(() => {
      const flat = grads.map((g) =>
        tf.concat(vars.map((v) => (g[v.name] ?? tf.zerosLike(v)).reshape([-1]))),
      );
      const m = tf.stack(flat) as tf.Tensor2D;
      return m.matMul(m, false, true);
    });
    return this.readGram(gram, k);
  }

  private async readGram(gram: Tensor, k: number): Promise<number[][]> {
    const values = await gram.data();
    gram.dispose();
    return Array.from({ length: k }, (_, i) =>
      Array.from({ length: k }, (_, j) => values[i * k + j] as number),
    );
  }

  /**
   * MGDA-UB's step: the trunk runs once; each task's gradient with respect to the shared
   * representation z (the trunk's outputs its branch reads) costs only its branch's backward
   * pass. Then one step in which each branch's gradient into the trunk is scaled by c_k from the
   * Gram matrix of those z-gradients, while each head keeps its own gradient.
   */
  async representationStep(
    batch: Batch,
    coefficients: (gram: Gram) => number[],
  ): Promise<StepRead & { gram: Gram; coefficients: number[] }> {
    const { model, analysis, trunk } = this;
    const sharedOrder = trunk.order.filter((id) => trunk.shared.has(id) && id !== this.inputId);
    const frontiers = trunk.branches.map((branch) => [
      ...new Set(
        [...branch].flatMap((id) =>
          (analysis.nodes.get(id)?.sources ?? []).filter((s) => trunk.shared.has(s)),
        ),
      ),
    ]);
    const union = [...new Set(frontiers.flat())];
    // Measuring the Gram matrix leaves the moving statistics to the step's own pass.
    const restore = this.keepMovingStats();
    const gramTensor = tf.tidy(() => {
      const env = runLayers(model, analysis, sharedOrder, new Map([[this.inputId, batch.x]]), true);
      const rows = this.heads.map((head, k) => {
        const frontier = frontiers[k] ?? [];
        const branchOrder = trunk.order.filter((id) => trunk.branches[k]?.has(id));
        const loss = (...z: Tensor[]) => {
          const local = new Map(env);
          frontier.forEach((id, i) => local.set(id, z[i] as Tensor));
          runLayers(model, analysis, branchOrder, local, true);
          const pred = local.get(head.nodeId) as Tensor;
          return perSampleLoss(head, batch.ys[k] as Tensor, pred)
            .mean()
            .mul(head.lossWeight);
        };
        const g = tf.grads(loss)(frontier.map((id) => env.get(id) as Tensor));
        return tf.concat(
          union.map((id) => {
            const i = frontier.indexOf(id);
            return (i >= 0 ? (g[i] as Tensor) : tf.zerosLike(env.get(id) as Tensor)).reshape([-1]);
          }),
        );
      });
      const m = tf.stack(rows) as tf.Tensor2D;
      return m.matMul(m, false, true);
    });
    restore();
    const gram = await this.readGram(gramTensor, this.heads.length);
    const c = coefficients(gram);
    let stats: Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const env = new Map<NodeId, Tensor>([[this.inputId, batch.x]]);
      const scaled = new Map<string, Tensor>();
      const branchOf = (id: NodeId) => trunk.branches.findIndex((b) => b.has(id));
      runLayers(
        model,
        analysis,
        trunk.order.filter((id) => id !== this.inputId),
        env,
        true,
        (source, consumer) => {
          const k = branchOf(consumer);
          const z = env.get(source) as Tensor;
          if (k < 0 || !trunk.shared.has(source)) return z;
          const key = `${source}>${k}`;
          if (!scaled.has(key)) scaled.set(key, scaleGradient(z, c[k] ?? 0));
          return scaled.get(key) as Tensor;
        },
      );
      const preds = this.heads.map((h) => env.get(h.nodeId) as Tensor);
      const l = batchLosses(this.heads, batch.ys, preds);
      stats = tf.keep(l.stats);
      return tf.addN(this.weighted(l.means)) as Scalar;
    }, this.variables);
    this.updater.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    return { ...(await this.readStats(stats as Tensor, batch.size)), gram, coefficients: c };
  }

  /** The weighted task losses on a batch, without a step (training mode, as the step ran). */
  async losses(batch: Batch): Promise<number[]> {
    const stats = tf.tidy(() => {
      const preds = outputsOf(this.model.apply(batch.x, { training: true }) as Tensor | Tensor[]);
      return batchLosses(this.heads, batch.ys, preds).stats;
    });
    return [...(await this.readStats(stats, batch.size)).losses];
  }

  /**
   * ‖∇_W L̃_k‖ per task on the kernel W of the last shared layer with weights (GradNorm). The
   * layers before W run once; each task back-propagates only from its head down to W.
   */
  async lastSharedNorms(batch: Batch): Promise<number[]> {
    const { model, analysis, trunk } = this;
    const last = trunk.lastShared;
    if (!last) return this.heads.map(() => 0);
    const at = trunk.order.indexOf(last.node);
    const before = trunk.order.slice(0, at).filter((id) => id !== this.inputId);
    const restore = this.keepMovingStats();
    const norms = tf.tidy(() => {
      const env = runLayers(model, analysis, before, new Map([[this.inputId, batch.x]]), true);
      return tf.stack(
        this.heads.map((head, k) => {
          // A task whose layers branch off before W does not pull on it (tfjs would throw).
          if (!trunk.feeds.get(last.node)?.has(k)) return tf.scalar(0);
          const after = trunk.order.slice(at).filter((id) => trunk.feeds.get(id)?.has(k));
          const { value, grads } = tf.variableGrads(() => {
            const local = runLayers(model, analysis, after, new Map(env), true);
            const pred = local.get(head.nodeId) as Tensor;
            return perSampleLoss(head, batch.ys[k] as Tensor, pred)
              .mean()
              .mul(head.lossWeight) as Scalar;
          }, [last.kernel]);
          value.dispose();
          const g = grads[last.kernel.name];
          return g ? g.norm() : tf.scalar(0);
        }),
      );
    });
    restore();
    const values = await norms.data();
    norms.dispose();
    return Array.from(values);
  }

  /**
   * Saves the layers' moving statistics (BatchNormalization's) and returns what puts them back:
   * a pass that only measures must not move them, so they move once a step whatever the method,
   * as in Keras' fit and PyTorch.
   */
  private keepMovingStats(): () => void {
    const weights = this.model.nonTrainableWeights;
    const saved = weights.map((w) => w.read().clone());
    return () => {
      weights.forEach((w, i) => w.write(saved[i] as Tensor));
      tf.dispose(saved);
    };
  }

  /**
   * The Gram matrix of the tasks' trunk gradients and their weighted losses on a batch, in
   * inference mode so that measuring changes nothing (diagnostics).
   */
  async trunkGram(batch: Batch): Promise<{ gram: Gram; losses: number[] }> {
    let stats: Tensor | undefined;
    const perTask = this.heads.map((head, k) =>
      this.trunk.trunkVariables.length === 0
        ? undefined
        : tf.variableGrads(() => {
            const preds = outputsOf(
              this.model.apply(batch.x, { training: false }) as Tensor | Tensor[],
            );
            if (k === 0) stats = tf.keep(batchLosses(this.heads, batch.ys, preds).stats);
            return perSampleLoss(head, batch.ys[k] as Tensor, preds[k] as Tensor)
              .mean()
              .mul(head.lossWeight) as Scalar;
          }, [...this.trunk.trunkVariables]),
    );
    try {
      if (!stats) {
        stats = tf.tidy(() => {
          const preds = outputsOf(
            this.model.apply(batch.x, { training: false }) as Tensor | Tensor[],
          );
          return batchLosses(this.heads, batch.ys, preds).stats;
        });
      }
      const gram = await this.gramOf(perTask.map((p) => p?.grads ?? {}));
      return { gram, losses: [...(await this.readStats(stats, batch.size)).losses] };
    } finally {
      tf.dispose(perTask.flatMap((p) => (p ? [p.value, ...Object.values(p.grads)] : [])));
    }
  }
}
