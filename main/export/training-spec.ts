import { classWeightsOf } from '../../core/nodes/mask-head.ts';
import type { ExportSource } from './source.ts';

/**
 * The training objective and settings as the studio trains them, for the exported projects'
 * own training code: each head's task, target, loss and weight, its metrics, and the optimizer.
 */
export function trainingSpec(source: ExportSource) {
  const s = source.graph.training;
  return {
    graph: source.graph.name,
    inputShape: source.inputShape,
    heads: source.heads.map((h) => ({
      task: h.task,
      node: h.nodeId,
      target: h.target,
      targetKind: h.targetKind,
      units: h.units,
      loss: h.loss,
      lossWeight: h.lossWeight,
      ...(h.loss === 'huber' ? { huberDelta: Number(h.params.huberDelta ?? 1) } : {}),
      ...(h.loss === 'pixelCrossentropy'
        ? { classWeights: classWeightsOf(String(h.params.classWeights ?? '')) ?? null }
        : {}),
      // The exported trainers read these; a head without them would train with the defaults.
      ...(h.loss === 'centerNet'
        ? {
            sizeWeight: Number(h.params.sizeWeight ?? 0.1),
            offsetWeight: Number(h.params.offsetWeight ?? 1),
          }
        : {}),
      metrics: h.metrics,
    })),
    settings: {
      optimizer: s.optimizer,
      learningRate: s.learningRate,
      momentum: s.momentum,
      batchSize: s.batchSize,
      epochs: s.epochs,
      shuffle: s.shuffle,
      seed: s.seed,
    },
  };
}
