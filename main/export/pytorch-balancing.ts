import { balancingParams, BALANCING } from '../../core/balancing/methods.ts';
import { trunkLayout } from '../../core/balancing/trunk.ts';
import { hasWeights as kindHasWeights } from '../../core/graph/trainable.ts';
import type { NodeId } from '../../core/ids.ts';
import { BALANCING_MATH_PY } from './pytorch-balancing-math-py.ts';
import { BALANCING_PY } from './pytorch-balancing-py.ts';
import { torchLayerNames } from './pytorch-names.ts';
import { BALANCING_FILE } from '../runs/run-manifest.ts';
import type { ExportSource } from './source.ts';

/**
 * The PyTorch project's side of task balancing: which of model.py's layers the tasks share
 * (training.json's `balancing`, read by balancing.py), where the shared representation is
 * tapped for MGDA-UB, and the two Python modules.
 */

/** Per head, the trunk's nodes its branch reads: the shared representation z of MGDA-UB. */
function frontiers(source: ExportSource): NodeId[][] {
  const { order, feeds, shared } = trunkLayout(source.analysis);
  return source.heads.map((_, k) => {
    const branch = order.filter((id) => !shared.has(id) && feeds.get(id)?.has(k));
    const sources = branch.flatMap((id) => source.analysis.nodes.get(id)?.sources ?? []);
    return [...new Set(sources.filter((s) => shared.has(s)))];
  });
}

/** The nodes whose outputs model.py passes through `self.tap` (the identity unless watched). */
export const tappedNodes = (source: ExportSource): ReadonlySet<string> =>
  new Set(frontiers(source).flat());

/**
 * training.json's `balancing`: the method and its parameters (defaults filled in), the layers
 * of the trunk and of each head's branch by their model.py names, the last shared layer with
 * weights (GradNorm's) and each head's frontier node ids (MGDA-UB's taps).
 */
export function balancingLayout(source: ExportSource) {
  const settings = source.graph.training.balancing;
  const names = torchLayerNames(source.nodes);
  const { order, feeds, shared } = trunkLayout(source.analysis);
  // Frozen or not: train.py unfreezes layers, and balancing.py looks at what trains at the time.
  const hasWeights = (id: NodeId) => {
    const node = source.analysis.nodes.get(id);
    return id !== source.inputId && node !== undefined && kindHasWeights(node.kind);
  };
  const nameOf = (id: NodeId) => names.get(id) as string;
  const inModel = order.filter((id) => names.has(id));
  const trunk = inModel.filter((id) => shared.has(id));
  const last = trunk.filter(hasWeights).at(-1);
  return {
    method: settings.method,
    level: BALANCING[settings.method].level,
    params: balancingParams(settings),
    trunk: trunk.map(nameOf),
    branches: source.heads.map((_, k) =>
      inModel.filter((id) => !shared.has(id) && feeds.get(id)?.has(k)).map(nameOf),
    ),
    lastShared: last ? nameOf(last) : null,
    frontiers: frontiers(source),
  };
}

/** balancing.py and balancing_math.py, and the checkpoint's balancing.json where it has one. */
export function balancingFiles(source: ExportSource): [string, Uint8Array][] {
  const text = (s: string) => new TextEncoder().encode(s);
  return [
    ['balancing.py', text(BALANCING_PY)],
    ['balancing_math.py', text(BALANCING_MATH_PY)],
    ...(source.balancingState
      ? [[BALANCING_FILE, source.balancingState] as [string, Uint8Array]]
      : []),
  ];
}

/** The README's paragraph on balancing. */
export function balancingReadme(source: ExportSource): string {
  const { method } = source.graph.training.balancing;
  return `## Task balancing

\`train.py\` balances the tasks with the studio's method, \`${method}\` (${BALANCING[method].title}),
its parameters in \`training.json\` (\`balancing\`). \`balancing.py\` holds every method of the
studio, step for step as the studio runs them; change \`balancing.method\` and \`params\` to try
another. The method's state (learnt weights, random generator, Adam moments) goes on from the
checkpoint's \`balancing.json\` where the export has one and is written beside the trained weights,
so a run moves between the studio and this project.

With several processes every process combines the same averaged gradients: each gradient is
averaged over the processes by hand (the forward pass runs under DDP's \`no_sync()\`); gradient-level
methods (pcgrad, cagrad, imtl-g, nash-mtl, aligned-mtl) average each task's trunk gradient before
combining them (one all-reduce per task, not one in all), mgda-ub sums the processes' Gram matrices
on the shared representation, and the methods that read losses read the whole batch's.
`;
}
