import {
  CHECKPOINTS,
  EXPORT_FORMAT_TITLES,
  EXPORT_FORMATS,
  exportOptionsSchema,
} from '../../core/contract/export.ts';
import { StudioError } from '../../core/problems.ts';
import { exportRunFiles, writeExportFolder } from '../export/index.ts';
import { choiceFlag, onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';

/** Exports a run's trained model in one of the studio's formats into a new or empty folder. */
export async function exportCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs('export', argv, {
    out: { type: 'string' },
    format: { type: 'string' },
    checkpoint: { type: 'string' },
  } as const);
  const dir = onePositional('export', 'a run folder', positionals);
  if (!values.out)
    throw new StudioError('E_BAD_FLAG', "'export' needs --out DIR, the folder to export to.");
  const options = exportOptionsSchema.parse({
    format: choiceFlag('format', values.format, EXPORT_FORMATS),
    checkpoint: choiceFlag('checkpoint', values.checkpoint, CHECKPOINTS),
  });
  const files = await exportRunFiles(dir, options);
  const out = await writeExportFolder(values.out, files);
  ctx.out(
    `Exported the ${options.checkpoint} model of ${dir} as ${EXPORT_FORMAT_TITLES[options.format]} to ${out}: ${[...files.keys()].join(', ')}.\n`,
  );
  return 0;
}
