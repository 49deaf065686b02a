import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { intFlag, parseCommandArgs } from '../cli/args.ts';
import { readGraphFile } from '../cli/read-graph.ts';
import type { CommandContext } from '../cli/context.ts';
import { sweepCommand } from '../cli/sweep.ts';
import { writeFileAtomic } from '../engine/model-io.ts';
import { benchmarkMarkdown, type BenchmarkSection } from './mtl-benchmark-doc.ts';
import {
  finishedSweep,
  PRESETS,
  readRecord,
  RECORD_FILE,
  SEEDS,
  shortOfPreset,
} from './mtl-benchmark-plan.ts';
import { readSweepFile, readSweepSection } from './mtl-benchmark-runs.ts';

/**
 * `npm run bench:mtl` (main/bench/mtl-benchmark.ts): every balancing method and the single-task baselines, 3 seeds, on
 * multidigits (MultiLeNet), the three-task shapes example and the dense scenes U-Net, each
 * through the `sweep` command; writes docs/mtl-benchmark.md. The presets take about 95 minutes on
 * the two-core build machine (132 runs; sections of 23, 35 and 38 minutes on 2026-12-06: shapes
 * needs about 8 epochs of 2,000 images before its shape task learns at all, and a gradient-level
 * method costs up to about 2.7 times a `fixed` step); `--epochs`, `--limit`
 * or `--seeds` below them make a smoke run, and the document says so. A section whose folder
 * already holds its finished sweep is kept, so a stopped benchmark goes on where it stopped;
 * `--render` only writes the document again from the folders in --runs.
 */
const ROOT = join(import.meta.dirname, '../..');

function hardware(backend: string): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown processor'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}, ${process.platform} ${process.arch}; backend ${backend}`;
}

export async function benchMtlCommand(argv: readonly string[], ctx: CommandContext): Promise<void> {
  const { values } = parseCommandArgs('bench:mtl', argv, {
    epochs: { type: 'string' },
    limit: { type: 'string' },
    seeds: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string' },
    render: { type: 'boolean' },
  } as const);
  const epochs = intFlag('epochs', values.epochs, 1);
  const limit = intFlag('limit', values.limit, 3);
  const seeds = intFlag('seeds', values.seeds, 1, 100) ?? SEEDS;
  const out = values.out ?? join(ROOT, 'docs/mtl-benchmark.md');
  if (values.render && values.runs === undefined) {
    throw new StudioError(
      'E_BAD_FLAG',
      '--render needs --runs, the folder of the benchmark’s sweeps.',
    );
  }
  const runs = values.runs ?? join(ROOT, 'runs', `mtl-benchmark-${Date.now()}`);
  const command = `npm run bench:mtl${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  let record = (await readRecord(runs)) ?? {
    format: 'multitask-studio/bench-mtl' as const,
    command,
    hardware: '',
    seconds: {},
  };
  const sections: BenchmarkSection[] = [];
  const short: string[] = [];
  for (const [i, preset] of PRESETS.entries()) {
    const dir = join(runs, String(i + 1));
    let saved = await readSweepFile(dir);
    if (!values.render) {
      const runLimit = limit ?? preset.limit;
      const want = {
        graphName: (await readGraphFile(join(ROOT, preset.graph))).name,
        epochs: epochs ?? preset.epochs,
        limit: runLimit,
        seeds,
      };
      if (finishedSweep(dir, saved, want)) {
        ctx.out(`Section ${i + 1}: ${dir} already holds its finished sweep; kept.\n`);
      } else {
        const started = performance.now();
        await sweepCommand(
          [
            join(ROOT, preset.graph),
            '--single-task',
            '--seeds',
            String(seeds),
            '--epochs',
            String(want.epochs),
            ...(runLimit === undefined ? [] : ['--limit', String(runLimit)]),
            '--out',
            dir,
          ],
          ctx,
        );
        saved = await readSweepFile(dir);
        if (saved?.pending) {
          ctx.out(
            `\nStopped in section ${i + 1}; the document is left as it was. Move ${dir} away and run the same command again: the finished sections are kept.\n`,
          );
          return;
        }
        record = {
          ...record,
          command,
          hardware: hardware(saved?.backend ?? '?'),
          seconds: { ...record.seconds, [String(i + 1)]: (performance.now() - started) / 1000 },
        };
        await writeFileAtomic(join(runs, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
      }
    }
    if (!saved) continue;
    const sweep = await readSweepSection(dir);
    short.push(...shortOfPreset(sweep.file, preset).map((s) => `section ${i + 1}: ${s}`));
    const seconds = record.seconds[String(i + 1)];
    sections.push({ sweep, ...(seconds !== undefined ? { seconds } : {}) });
  }
  if (!sections.length) {
    throw new StudioError(
      'E_RUN_INVALID',
      `${runs} holds none of the benchmark's sweeps (1/, 2/, 3/).`,
    );
  }
  const backend = sections[0]?.sweep.file.backend ?? '?';
  const markdown = benchmarkMarkdown({
    command: values.render && !record.hardware ? 'npm run bench:mtl' : record.command,
    ...(values.render
      ? {
          rendered: {
            command,
            date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
          },
        }
      : {}),
    ...(short.length
      ? {
          smoke: `it ran with ${short.join('; ')} (the presets: ${PRESETS.map((p) => `${p.epochs} epochs${p.limit ? `, --limit ${p.limit}` : ''}`).join('; ')}; ${SEEDS} seeds).`,
        }
      : {}),
    hardware: record.hardware || hardware(backend),
    ...(record.hardware
      ? {}
      : {
          hardwareNote: 'of the machine that wrote this document; the runs did not record theirs',
        }),
    sections,
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, markdown);
  ctx.out(`\nWrote ${out} (runs in ${runs}).\n`);
}
