import { targetSummary } from '../../core/tasks/registry.ts';
import { describeBuiltInDatasets } from '../datasets/index.ts';
import { parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { thousands } from './format.ts';

export async function datasetsCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  parseCommandArgs('datasets', argv, {});
  for (const d of describeBuiltInDatasets()) {
    const targets = d.targets.map(targetSummary).join('; ');
    ctx.out(
      `${d.name}: ${d.description}\n  ${thousands(d.fullSize)} samples; targets ${targets}\n`,
    );
  }
  return 0;
}
