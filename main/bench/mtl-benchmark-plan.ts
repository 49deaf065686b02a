import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SweepFile } from '../../core/balancing/sweep.ts';
import { StudioError } from '../../core/problems.ts';

/** What `npm run bench:mtl` runs, and how it tells a finished section from one still to run. */
export const PRESETS = [
  { graph: 'assets/examples/multidigits-lenet.graph.json', epochs: 5, limit: undefined },
  { graph: 'assets/examples/shapes-three-tasks.graph.json', epochs: 8, limit: 2500 },
  { graph: 'assets/examples/scenes-unet.graph.json', epochs: 6, limit: 480 },
] as const;
export const SEEDS = 3;
/** What the runs folder keeps of the benchmark beside its sweeps: the command, the machine, each section's time. */
export const RECORD_FILE = 'bench-mtl.json';

export const recordSchema = z.object({
  format: z.literal('multitask-studio/bench-mtl'),
  command: z.string(),
  hardware: z.string(),
  /** Wall-clock seconds of each finished section's sweep, by section number ("1"). */
  seconds: z.record(z.string(), z.number()),
});
export type BenchRecord = z.infer<typeof recordSchema>;

/**
 * The record in `runs`, or undefined when there is none or it cannot be read: the document then
 * falls back on what the run folders keep, and says so.
 */
export async function readRecord(runs: string): Promise<BenchRecord | undefined> {
  try {
    return recordSchema.parse(JSON.parse(await readFile(join(runs, RECORD_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** How a section's sweep falls short of its preset ("2 epochs, not 5"), empty when it does not. */
export function shortOfPreset(file: SweepFile, preset: (typeof PRESETS)[number]): string[] {
  return [
    file.epochs < preset.epochs && `${file.epochs} epochs, not ${preset.epochs}`,
    file.limit !== undefined &&
      (preset.limit === undefined || file.limit < preset.limit) &&
      `--limit ${file.limit}, not ${preset.limit ?? 'all samples'}`,
    file.seeds.length < SEEDS && `${file.seeds.length} seeds, not ${SEEDS}`,
  ].filter((x): x is string => typeof x === 'string');
}

/** Whether `file` is the finished sweep this section would make; throws when it is another one. */
export function finishedSweep(
  dir: string,
  file: SweepFile | undefined,
  want: { graphName: string; epochs: number; limit: number | undefined; seeds: number },
): boolean {
  if (!file) return false;
  const same =
    file.graphName === want.graphName &&
    file.epochs === want.epochs &&
    file.limit === want.limit &&
    file.seeds.length === want.seeds;
  if (same && file.pending === 0) return true;
  throw new StudioError(
    'E_RUN_EXISTS',
    same
      ? `${dir} holds this section's sweep unfinished (${file.pending} runs to do); move it away to run the section again.`
      : `${dir} holds a sweep of '${file.graphName}' (${file.epochs} epochs${file.limit ? `, --limit ${file.limit}` : ''}, ${file.seeds.length} seeds), not this section's; move it away or choose another --runs folder.`,
  );
}
