import {
  compareMethods,
  comparisonCells,
  PLATEAU_RULE,
  plateauCells,
  plateauOf,
  plateauSentence,
  SPREAD_RULE,
  verdictSentence,
} from '../../core/balancing/sweep-spread.ts';
import { DELTA_M_FLOOR, sweepMarkdown } from '../../core/balancing/sweep.ts';
import type { SweepSection } from './mtl-benchmark-runs.ts';

/** One dataset's sweep as the benchmark ran it. */
export interface BenchmarkSection {
  readonly sweep: SweepSection;
  /** The sweep's wall-clock time, every run included; absent when it was not recorded. */
  readonly seconds?: number;
}

export interface BenchmarkDocument {
  /** The command that made the runs, as it was run. */
  readonly command: string;
  /** Set when the document was made again from runs already on disk: the command that did it, and when. */
  readonly rendered?: { readonly command: string; readonly date: string };
  /** Why this is not the benchmark's result (a smaller configuration than the presets), if it is not. */
  readonly smoke?: string;
  /** Processor, cores, memory, Node and platform. */
  readonly hardware: string;
  /** Whose hardware that is, when not the machine that made the runs. */
  readonly hardwareNote?: string;
  readonly sections: readonly BenchmarkSection[];
}

const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** "2026-12-06 21:48 – 23:30 UTC", or across days in full. */
function span(from: string, to: string): string {
  if (!from) return 'an unknown date';
  return from.slice(0, 10) === to.slice(0, 10)
    ? `${utc(from).slice(0, 16)} – ${to.slice(11, 16)} UTC`
    : `${utc(from)} – ${utc(to)}`;
}

const markdownTable = (cells: readonly (readonly string[])[]) =>
  cells.length < 2
    ? []
    : [
        `| ${(cells[0] ?? []).join(' | ')} |`,
        `| ${(cells[0] ?? []).map(() => '---').join(' | ')} |`,
        ...cells.slice(1).map((row) => `| ${row.join(' | ')} |`),
      ];

function sectionMarkdown({ sweep, seconds }: BenchmarkSection): string[] {
  const comparisons = (['fixed', 'single-task'] as const).map((ref) => ({
    ref,
    list: compareMethods(sweep.runs, ref),
  }));
  const plateaus = sweep.histories.map(plateauOf);
  return [
    // The sweep's own document, one level down.
    sweepMarkdown(sweep.file)
      .replace(/^# Sweep: /, '## ')
      .trimEnd(),
    '',
    seconds !== undefined
      ? `The sweep took ${minutes(seconds)}.`
      : `The sweep's wall-clock time was not recorded; its runs' epochs add up to ${minutes(sweep.runSeconds)} (data loading and the test evaluation not counted).`,
    '',
    ...comparisons.flatMap(({ ref, list }) => [
      `### Against ${ref === 'fixed' ? '`fixed`' : 'the tasks trained alone'}`,
      '',
      ...(list.length
        ? [
            `Each method minus ${ref === 'fixed' ? '`fixed`' : 'single-task'}, better positive, ± ${2} standard errors of the difference; ▲/▼ beyond the seed spread.`,
            '',
            ...markdownTable(comparisonCells(list)),
            '',
          ]
        : []),
      verdictSentence(list, ref),
      '',
    ]),
    '### Are the single-task baselines near their plateau?',
    '',
    ...(plateaus.length ? [...markdownTable(plateauCells(plateaus)), ''] : []),
    plateauSentence(plateaus),
    '',
  ];
}

/** docs/mtl-benchmark.md: what was run and where, then each dataset's table, its verdicts and its plateau. */
export function benchmarkMarkdown(doc: BenchmarkDocument): string {
  const seconds = doc.sections.map((s) => s.seconds ?? s.sweep.runSeconds);
  const total = seconds.reduce((a, b) => a + b, 0);
  const measured = doc.sections.every((s) => s.seconds !== undefined);
  const from =
    doc.sections
      .map((s) => s.sweep.from)
      .filter(Boolean)
      .sort()[0] ?? '';
  const to =
    doc.sections
      .map((s) => s.sweep.to)
      .sort()
      .at(-1) ?? '';
  const took = measured
    ? `in ${minutes(total)}`
    : `its runs' epochs adding up to ${minutes(total)} (the benchmark's own wall-clock time was not recorded for every section)`;
  return [
    '# Multi-task balancing benchmark',
    '',
    ...(doc.smoke
      ? [
          `> **Smoke run, not the benchmark's result:** ${doc.smoke} It only shows that the command and this document work; the numbers below say nothing about the methods.`,
          '',
        ]
      : []),
    doc.rendered
      ? `Re-rendered by \`${doc.rendered.command}\` on ${doc.rendered.date} from the runs made by \`${doc.command}\` on ${span(from, to)} (the runs' own dates), ${took}.`
      : `Made by \`${doc.command}\` on ${span(from, to)}, ${took}.`,
    '',
    `Hardware: ${doc.hardware}${doc.hardwareNote ? ` (${doc.hardwareNote})` : ''}.`,
    '',
    `Every balancing method and each task trained alone (the single-task baseline) on every seed. Δm% is the mean over every task metric of its signed relative change against the task trained alone (better is positive), as Maninis et al. and Nash-MTL define it (LibMTL averages a task’s metrics first, which differs only where a task has two or more); a share metric whose single-task baseline is below ${DELTA_M_FLOOR} (1 % of its 0–1 scale) is left out of it, and the table says so. Time per epoch is relative to \`fixed\`.`,
    '',
    `Seed spread: ${SPREAD_RULE}. Each task is compared on its main metric (the first its kind reports), and Δm% seed by seed against the single-task means. Plateau: ${PLATEAU_RULE}.`,
    '',
    ...doc.sections.flatMap(sectionMarkdown),
  ].join('\n');
}
