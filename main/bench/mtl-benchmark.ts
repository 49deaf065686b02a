import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { sweepFileSchema, SWEEP_FILE } from '../../core/balancing/sweep.ts';
import { intFlag, parseCommandArgs } from '../cli/args.ts';
import { sweepCommand } from '../cli/sweep.ts';
import { benchmarkMarkdown, type BenchmarkSection } from './mtl-benchmark-doc.ts';

/**
 * `npm run bench:mtl`: every balancing method and the single-task baselines, 3 seeds, on
 * multidigits (MultiLeNet), the three-task shapes example and the dense scenes U-Net, each
 * through the `sweep` command; writes docs/mtl-benchmark.md. The presets are sized for about 95
 * minutes on two idle cores (132 runs: MultiLeNet takes about 3 s an epoch there, the U-Net about
 * 60 samples a second, a gradient-level method about twice a `fixed` step); `--epochs`, `--limit` or `--seeds` below them make a smoke run, and the
 * document says so.
 */
const ROOT = join(import.meta.dirname, '../..');
const PRESETS = [
  { graph: 'assets/examples/multidigits-lenet.graph.json', epochs: 5, limit: undefined },
  { graph: 'assets/examples/shapes-three-tasks.graph.json', epochs: 4, limit: 800 },
  { graph: 'assets/examples/scenes-unet.graph.json', epochs: 6, limit: 480 },
] as const;
const SEEDS = 3;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseCommandArgs('bench:mtl', argv, {
    epochs: { type: 'string' },
    limit: { type: 'string' },
    seeds: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string' },
  } as const);
  const epochs = intFlag('epochs', values.epochs, 1);
  const limit = intFlag('limit', values.limit, 3);
  const seeds = intFlag('seeds', values.seeds, 1, 100) ?? SEEDS;
  const out = values.out ?? join(ROOT, 'docs/mtl-benchmark.md');
  const runs = values.runs ?? join(ROOT, 'runs', `mtl-benchmark-${Date.now()}`);
  const smaller = [
    epochs !== undefined && `--epochs ${epochs}`,
    limit !== undefined && `--limit ${limit}`,
    seeds < SEEDS && `--seeds ${seeds}`,
  ].filter(Boolean);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const ctx = {
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
    isTTY: false,
    columns: 120,
    signal: controller.signal,
  };
  const sections: BenchmarkSection[] = [];
  for (const [i, preset] of PRESETS.entries()) {
    const dir = join(runs, String(i + 1));
    const runLimit = limit ?? preset.limit;
    const started = performance.now();
    await sweepCommand(
      [
        join(ROOT, preset.graph),
        '--single-task',
        '--seeds',
        String(seeds),
        '--epochs',
        String(epochs ?? preset.epochs),
        ...(runLimit === undefined ? [] : ['--limit', String(runLimit)]),
        '--out',
        dir,
      ],
      ctx,
    );
    const file = sweepFileSchema.parse(JSON.parse(await readFile(join(dir, SWEEP_FILE), 'utf8')));
    sections.push({ file, seconds: (performance.now() - started) / 1000 });
  }
  const cpu = cpus();
  const markdown = benchmarkMarkdown({
    command: `npm run bench:mtl${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    ...(smaller.length
      ? {
          smoke: `it ran with ${smaller.join(', ')}, not with the presets (${PRESETS.map((p) => `${p.epochs} epochs${p.limit ? `, --limit ${p.limit}` : ''}`).join('; ')}; ${SEEDS} seeds).`,
        }
      : {}),
    hardware: `${cpu[0]?.model ?? 'unknown processor'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}, ${process.platform} ${process.arch}; backend ${sections[0]?.file.backend ?? '?'}`,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    sections,
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, markdown);
  process.stdout.write(`\nWrote ${out} (runs in ${runs}).\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
