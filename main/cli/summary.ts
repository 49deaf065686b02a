import { formatBytes } from '../../core/format.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { estimateMemory, memoryBreakdown, memoryProblem } from '../../core/graph/memory.ts';
import { hasWeights, isFrozen, trainableMark } from '../../core/graph/trainable.ts';
import { memoryLimit } from '../runs/memory-limit.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import { formatShape } from '../../core/shape.ts';
import { parseCommandArgs, onePositional } from './args.ts';
import { inline, table, thousands } from './format.ts';
import { readGraphFile } from './read-graph.ts';
import type { CommandContext } from './context.ts';

/** Like Keras' summary(): layers, output shapes, parameters, what each is connected to. */
export async function summaryCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const { positionals, values } = parseCommandArgs('summary', argv, {
    json: { type: 'boolean' },
  } as const);
  const path = onePositional('summary', 'a graph file', positionals);
  const graph = await readGraphFile(path);
  const analysis = analyzeGraph(graph);
  const errors = analysis.problems.filter((p) => p.severity === 'error');
  const memory = estimateMemory(analysis, graph.training);
  const nodeMemory = new Map(memory.nodes.map((n) => [n.id, n.totalBytes]));
  const limit = memoryLimit();
  const tooBig = memoryProblem(memory, limit.bytes, limit.why);
  if (values.json) {
    ctx.out(
      `${JSON.stringify({
        name: graph.name,
        ok: analysis.ok,
        problems: analysis.problems,
        nodes: [...analysis.nodes.values()].map((n) => ({
          id: n.id,
          kind: n.kind,
          outputShape: n.outputShape ?? null,
          parameters: n.paramCount ? n.paramCount.trainable + n.paramCount.nonTrainable : null,
          trainable: hasWeights(n.kind) ? !isFrozen(n) : null,
          memoryBytes: nodeMemory.get(n.id) ?? null,
          sources: n.sources,
        })),
        totalParameters: analysis.totalParams.trainable + analysis.totalParams.nonTrainable,
        trainableParameters: analysis.totalParams.trainable,
        nonTrainableParameters: analysis.totalParams.nonTrainable,
        memory: {
          batchSize: memory.batchSize,
          optimizer: memory.optimizer,
          weights: memory.weights,
          gradients: memory.gradients,
          optimizerState: memory.optimizerState,
          activations: memory.activations,
          total: memory.total,
          limit: limit.bytes,
        },
      })}\n`,
    );
    return errors.length ? 1 : 0;
  }
  if (errors.length) {
    ctx.err(`${path} has ${errors.length} problem${errors.length > 1 ? 's' : ''}:\n`);
    for (const p of analysis.problems) ctx.err(`  ${p.severity}: ${p.message}\n`);
    return 1;
  }
  // Keras' summary(show_trainable=True): a Y/N column, shown when some node is frozen.
  const frozen = [...analysis.nodes.values()].some(isFrozen);
  const rows: string[][] = [
    [
      'Layer (type)',
      'Output shape',
      'Param #',
      'Memory',
      'Connected to',
      ...(frozen ? ['Trainable'] : []),
    ],
  ];
  for (const id of analysis.order) {
    const n = analysis.nodes.get(id);
    if (!n) continue;
    const count = n.paramCount ? n.paramCount.trainable + n.paramCount.nonTrainable : 0;
    const detail = n.params ? kindSpec(n.kind).describe(n.params) : '';
    rows.push([
      `${id} (${n.kind}${detail ? `: ${detail}` : ''})`,
      n.outputShape ? formatShape(n.outputShape) : '?',
      thousands(count),
      formatBytes(nodeMemory.get(n.id) ?? 0),
      n.sources.join(', '),
      ...(frozen ? [trainableMark(n)] : []),
    ]);
  }
  const { trainable, nonTrainable } = analysis.totalParams;
  ctx.out(`Model: "${inline(graph.name)}"\n\n${table(rows, [2, 3])}\n\n`);
  ctx.out(`Total params: ${thousands(trainable + nonTrainable)}\n`);
  ctx.out(
    `Trainable params: ${thousands(trainable)}\nNon-trainable params: ${thousands(nonTrainable)}\n`,
  );
  ctx.out(`Memory to train: ${memoryBreakdown(memory)}\n`);
  if (tooBig) ctx.out(`warning: ${tooBig.message}\n`);
  ctx.out(
    `Tasks: ${analysis.heads.map((h) => `${h.task} (${h.kind}, ${h.loss}, weight ${h.lossWeight}, target '${inline(h.target)}')`).join('; ')}\n`,
  );
  for (const w of analysis.problems.filter((p) => p.severity === 'warning'))
    ctx.out(`warning: ${w.message}\n`);
  return 0;
}
