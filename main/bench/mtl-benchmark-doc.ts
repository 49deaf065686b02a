import { sweepMarkdown, type SweepFile } from '../../core/balancing/sweep.ts';

/** One dataset's sweep as the benchmark ran it. */
export interface BenchmarkSection {
  readonly file: SweepFile;
  /** The sweep's wall-clock time, every run included. */
  readonly seconds: number;
}

export interface BenchmarkDocument {
  /** The command as it was run. */
  readonly command: string;
  /** Why this is not the benchmark's result (a smaller configuration than the presets), if it is not. */
  readonly smoke?: string;
  /** Processor, cores, memory, Node and platform. */
  readonly hardware: string;
  readonly date: string;
  readonly sections: readonly BenchmarkSection[];
}

const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

/** docs/mtl-benchmark.md: what was run and where, then each dataset's sweep table. */
export function benchmarkMarkdown(doc: BenchmarkDocument): string {
  const total = doc.sections.reduce((s, x) => s + x.seconds, 0);
  return [
    '# Multi-task balancing benchmark',
    '',
    ...(doc.smoke
      ? [
          `> **Smoke run, not the benchmark's result:** ${doc.smoke} It only shows that the command and this document work; the numbers below say nothing about the methods.`,
          '',
        ]
      : []),
    `Made by \`${doc.command}\` on ${doc.date}, in ${minutes(total)}.`,
    '',
    `Hardware: ${doc.hardware}.`,
    '',
    'Every balancing method and each task trained alone (the single-task baseline) on every seed. Δm% is the mean over every task metric of its signed relative change against the task trained alone (better is positive), as Maninis et al. and Nash-MTL define it (LibMTL averages a task’s metrics first, which differs only where a task has two, as the box has); time per epoch is relative to `fixed`.',
    '',
    ...doc.sections.flatMap(({ file, seconds }) => [
      // The sweep's own document, one level down.
      sweepMarkdown(file)
        .replace(/^# Sweep: /, '## ')
        .trimEnd(),
      '',
      `The sweep took ${minutes(seconds)}.`,
      '',
    ]),
  ].join('\n');
}
