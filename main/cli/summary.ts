import { analyzeGraph } from '../../core/graph/analyze.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import { formatShape } from '../../core/shape.ts';
import { parseCommandArgs, onePositional } from './args.ts';
import { table, thousands } from './format.ts';
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
          sources: n.sources,
        })),
        totalParameters: analysis.totalParams.trainable + analysis.totalParams.nonTrainable,
      })}\n`,
    );
    return errors.length ? 1 : 0;
  }
  if (errors.length) {
    ctx.err(`${path} has ${errors.length} problem${errors.length > 1 ? 's' : ''}:\n`);
    for (const p of analysis.problems) ctx.err(`  ${p.severity}: ${p.message}\n`);
    return 1;
  }
  const rows: string[][] = [['Layer (type)', 'Output shape', 'Param #', 'Connected to']];
  for (const id of analysis.order) {
    const n = analysis.nodes.get(id);
    if (!n) continue;
    const count = n.paramCount ? n.paramCount.trainable + n.paramCount.nonTrainable : 0;
    const detail = n.params ? kindSpec(n.kind).describe(n.params) : '';
    rows.push([
      `${id} (${n.kind}${detail ? `: ${detail}` : ''})`,
      n.outputShape ? formatShape(n.outputShape) : '?',
      thousands(count),
      n.sources.join(', '),
    ]);
  }
  const { trainable, nonTrainable } = analysis.totalParams;
  ctx.out(`Model: "${graph.name}"\n\n${table(rows, [2])}\n\n`);
  ctx.out(`Total params: ${thousands(trainable + nonTrainable)}\n`);
  ctx.out(
    `Trainable params: ${thousands(trainable)}\nNon-trainable params: ${thousands(nonTrainable)}\n`,
  );
  ctx.out(
    `Tasks: ${analysis.heads.map((h) => `${h.task} (${h.kind}, ${h.loss}, weight ${h.lossWeight}, target '${h.target}')`).join('; ')}\n`,
  );
  for (const w of analysis.problems.filter((p) => p.severity === 'warning'))
    ctx.out(`warning: ${w.message}\n`);
  return 0;
}
