import type { DatasetReport } from '../../../core/contract/training.ts';
import { backgroundLine } from '../../../core/detection/objects-line.ts';
import type { Run } from './run-reducer.ts';

const plural = (n: number, word: string) =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** What a run tells about its imported data: the split and what the check skipped or repaired. */
export interface RunDatasetReport {
  readonly headline: string;
  readonly messages: readonly string[];
  /** Images that could not be read while training so far. */
  readonly unreadable: number;
}

/** "CSV, split by the seed, class by class · 1 row skipped, 0 repaired", or "… · no bad rows". */
export function reportHeadline(report: DatasetReport): string {
  const split = report.splitFrom === 'data' ? 'split as the data says' : 'split by the seed, class by class';
  const bad =
    report.dropped + report.fixed === 0
      ? 'no bad rows'
      : `${plural(report.dropped, 'row')} skipped, ${report.fixed} repaired`;
  return `${report.format.toUpperCase()}, ${split} · ${bad}`;
}

/** The run's report, once its started event carried one; undefined for a built-in dataset. */
export function runDatasetReport(run: Run): RunDatasetReport | undefined {
  const report = run.started?.dataset.report;
  let unreadable = 0;
  for (const epoch of run.epochs) unreadable = Math.max(unreadable, epoch.unreadable ?? 0);
  if (!report && unreadable === 0) return undefined;
  return {
    headline: report ? reportHeadline(report) : '',
    messages: [
      ...(report?.background
        ? [backgroundLine(report.background, report.background.kept ? 'kept' : 'left-out')]
        : []),
      ...(report?.firstMessages ?? []),
    ],
    unreadable,
  };
}

export const unreadableText = (n: number): string =>
  `${plural(n, 'image')} could not be read while training and ${n === 1 ? 'was' : 'were'} left out.`;
