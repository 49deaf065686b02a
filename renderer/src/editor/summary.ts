import { formatBytes } from '../../../core/format.ts';
import type { GraphAnalysis } from '../../../core/graph/analyze.ts';
import { estimateMemory, memoryBreakdown } from '../../../core/graph/memory.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { isFrozen, trainableMark } from '../../../core/graph/trainable.ts';
import { asNodeId } from '../../../core/ids.ts';
import { kindSpec } from '../../../core/nodes/registry.ts';
import { formatShape } from '../../../core/shape.ts';
import { thousands } from './format.ts';

export interface SummaryRow {
  readonly id: string;
  readonly kind: string;
  readonly detail: string;
  readonly shape: string;
  readonly params: string;
  /** What the node needs in training at the graph's batch size. */
  readonly memory: string;
  readonly connectedTo: string;
  /** Keras' show_trainable column: Y, N, or empty for a node without weights. */
  readonly trainable: 'Y' | 'N' | '';
}

export interface ModelSummary {
  readonly rows: readonly SummaryRow[];
  readonly total: string;
  readonly trainable: string;
  readonly nonTrainable: string;
  /** Some node is frozen: the summary shows the Trainable column. */
  readonly showTrainable: boolean;
  /** "167 MiB (weights …, gradients …, Adam state …, activations at batch 32 …)". */
  readonly memory: string;
  readonly tasks: readonly string[];
  readonly errors: number;
}

/** Like Keras' `summary()`: layers in compute order, shapes, parameters, what feeds each. */
export function modelSummary(doc: GraphDocument, analysis: GraphAnalysis): ModelSummary {
  const memory = estimateMemory(analysis, doc.training);
  const byNode = new Map(memory.nodes.map((n) => [n.id, n.totalBytes]));
  const ids = analysis.order.length > 0 ? analysis.order : doc.nodes.map((n) => asNodeId(n.id));
  const rows = ids.flatMap((id): SummaryRow[] => {
    const node = doc.nodes.find((n) => n.id === id);
    if (!node) return [];
    const info = analysis.nodes.get(id);
    const count = info?.paramCount ? info.paramCount.trainable + info.paramCount.nonTrainable : 0;
    return [
      {
        id,
        kind: node.kind,
        detail: info?.params ? kindSpec(node.kind).describe(info.params) : '',
        shape: info?.outputShape ? formatShape(info.outputShape) : '?',
        params: info?.paramCount ? thousands(count) : '?',
        memory: byNode.has(id) ? formatBytes(byNode.get(id) ?? 0) : '?',
        connectedTo: doc.edges
          .filter((e) => e.target === id)
          .sort((a, b) => a.targetPort.localeCompare(b.targetPort))
          .map((e) => e.source)
          .join(', '),
        trainable: trainableMark(node),
      },
    ];
  });
  const { trainable, nonTrainable } = analysis.totalParams;
  return {
    rows,
    total: thousands(trainable + nonTrainable),
    trainable: thousands(trainable),
    nonTrainable: thousands(nonTrainable),
    showTrainable: doc.nodes.some(isFrozen),
    memory: memoryBreakdown(memory),
    tasks: analysis.heads.map(
      (h) => `${h.task}: ${h.kind}, ${h.loss}, weight ${h.lossWeight}, target '${h.target}'`,
    ),
    errors: analysis.problems.filter((p) => p.severity === 'error').length,
  };
}
