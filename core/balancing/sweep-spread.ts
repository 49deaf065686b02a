import { fixed, METRICS, type MetricKey } from '../format.ts';
import { deltaM, meanStd, sweepRows, taskStats, type SweepRun } from './sweep.ts';

/**
 * Whether a sweep's differences are larger than its seeds' spread, and whether the single-task
 * baselines had stopped learning: the two questions a balancing table must answer before anyone
 * reads a winner from it.
 */

/** Two means differ beyond the seed spread when the gap exceeds this many standard errors. */
export const SPREAD_FACTOR = 2;
/** A baseline is near its plateau when its last epoch gained at most this share of its first. */
export const PLATEAU_SHARE = 0.2;

export const SPREAD_RULE = `a difference counts as beyond the seed spread when its size exceeds ${SPREAD_FACTOR} standard errors of the difference, √(s₁²/n₁ + s₂²/n₂) with each side's sample std s over its n seeds; with fewer than 2 seeds on a side there is no spread and no verdict`;
export const PLATEAU_RULE = `a task is near its plateau when the last epoch's gain in its validation main metric (mean over seeds; a loss of quality counts as no gain) is at most ${PLATEAU_SHARE * 100} % of the first gain (epoch 1 to 2), and still learning otherwise; a task whose last epoch is no better than its first has not learned at all, which is no plateau either`;

/** A task's main metric: the first its kind reports (accuracy, mean IoU, MAE, mean angle error…). */
export const mainMetric = (metrics: object): MetricKey | undefined =>
  METRICS.find((m) => (metrics as Record<string, unknown>)[m.key] !== undefined)?.key;

const labelOf = (key: MetricKey) => METRICS.find((m) => m.key === key)?.label ?? key;
const higherIsBetter = (key: MetricKey) =>
  METRICS.find((m) => m.key === key)?.direction !== 'lower';

export type Verdict = 'better' | 'worse' | 'tie' | 'unknown';

/** One measure of one method against a reference: the gap signed so that better is positive. */
export interface Difference {
  /** "left accuracy" or "Δm%". */
  readonly measure: string;
  readonly gap: number;
  /** Standard error of the gap; undefined with fewer than 2 seeds on a side. */
  readonly se: number | undefined;
  readonly verdict: Verdict;
}

function difference(
  measure: string,
  own: readonly number[],
  ref: readonly number[],
  higher: boolean,
): Difference {
  const a = meanStd(own);
  const b = meanStd(ref);
  const gap = (higher ? 1 : -1) * (a.mean - b.mean);
  if (own.length < 2 || ref.length < 2) return { measure, gap, se: undefined, verdict: 'unknown' };
  const se = Math.sqrt(a.std ** 2 / own.length + b.std ** 2 / ref.length);
  const beyond = Math.abs(gap) > SPREAD_FACTOR * se && gap !== 0;
  return { measure, gap, se, verdict: beyond ? (gap > 0 ? 'better' : 'worse') : 'tie' };
}

export interface Comparison {
  readonly method: string;
  readonly differences: readonly Difference[];
}

/**
 * Every method against `reference` ('fixed' or 'single-task'): each task's main metric, then
 * Δm% seed by seed against the single-task means (the single-task seeds' own Δm% against their
 * mean give its spread, around 0). Empty when the reference was not run.
 */
export function compareMethods(runs: readonly SweepRun[], reference: string): Comparison[] {
  const rows = sweepRows(runs);
  const baseline = rows.find((r) => r.method === 'single-task')?.tasks;
  const of = (method: string) => runs.filter((r) => r.method === method);
  const refRuns = of(reference);
  if (!refRuns.length) return [];
  const tasks = [...new Set(rows.flatMap((r) => Object.keys(r.tasks)))];
  const values = (own: readonly SweepRun[], task: string, key: MetricKey) =>
    own.flatMap((r) => {
      const v = r.test.tasks[task]?.[key];
      return v === undefined ? [] : [v];
    });
  const seedDeltaM = (own: readonly SweepRun[]) =>
    baseline
      ? own.flatMap((r) => {
          const d = deltaM(taskStats([r]), baseline);
          return d === null ? [] : [d];
        })
      : [];
  return rows
    .filter((r) => r.method !== reference && r.method !== 'single-task')
    .map((row) => {
      const own = of(row.method);
      const differences = tasks.flatMap((task) => {
        const key = mainMetric(row.tasks[task] ?? {});
        if (!key || !rows.find((r) => r.method === reference)?.tasks[task]?.[key]) return [];
        return [
          difference(
            `${task} ${labelOf(key)}`,
            values(own, task, key),
            values(refRuns, task, key),
            higherIsBetter(key),
          ),
        ];
      });
      const ownD = seedDeltaM(own);
      const refD = seedDeltaM(refRuns);
      if (ownD.length && refD.length) differences.push(difference('Δm%', ownD, refD, true));
      return { method: row.method, differences };
    });
}

const list = (items: readonly string[]) =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** One sentence: which methods beat the reference beyond the seed spread, on what; which lost; which tie. */
export function verdictSentence(comparisons: readonly Comparison[], reference: string): string {
  const name = reference === 'single-task' ? 'the tasks trained alone' : `\`${reference}\``;
  if (!comparisons.length)
    return `Against ${name}: it was not run, so there is nothing to compare.`;
  const all = comparisons.flatMap((c) => c.differences);
  if (all.length && all.every((d) => d.verdict === 'unknown')) {
    return `Against ${name}: with fewer than 2 seeds there is no seed spread, so no difference can be told from chance.`;
  }
  const parts: string[] = [];
  const ties: string[] = [];
  for (const c of comparisons) {
    const on = (v: Verdict) => c.differences.filter((d) => d.verdict === v).map((d) => d.measure);
    const better = on('better');
    const worse = on('worse');
    if (!better.length && !worse.length) {
      ties.push(c.method);
      continue;
    }
    const said = [
      better.length ? `beat it on ${list(better)}` : '',
      worse.length ? `lost on ${list(worse)}` : '',
    ].filter(Boolean);
    parts.push(`${c.method} ${said.join(' and ')}`);
  }
  const tie = ties.length
    ? `${list(ties)} ${ties.length === 1 ? 'ties' : 'tie'} with it on every measure`
    : '';
  if (!parts.length) return `Against ${name}, no method differs beyond the seed spread: ${tie}.`;
  return `Against ${name}, beyond the seed spread: ${[...parts, ...(tie ? [tie] : [])].join('; ')}.`;
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const MARK: Record<Verdict, string> = { better: ' ▲', worse: ' ▼', tie: '', unknown: '' };

/** The comparisons as a table: gap ± 2 standard errors per measure, ▲/▼ beyond the spread. */
export function comparisonCells(comparisons: readonly Comparison[]): string[][] {
  const measures = [...new Set(comparisons.flatMap((c) => c.differences.map((d) => d.measure)))];
  return [
    ['method', ...measures],
    ...comparisons.map((c) => [
      c.method,
      ...measures.map((m) => {
        const d = c.differences.find((x) => x.measure === m);
        if (!d) return '–';
        const digits = m === 'Δm%' ? 2 : 3;
        const band = d.se === undefined ? '' : ` ± ${(SPREAD_FACTOR * d.se).toFixed(digits)}`;
        return `${signed(d.gap, digits)}${band}${MARK[d.verdict]}`;
      }),
    ]),
  ];
}

/** One task's validation main metric per epoch, one list per seed (single-task runs). */
export interface TaskHistory {
  readonly task: string;
  readonly key: MetricKey;
  readonly seeds: readonly (readonly number[])[];
}

export type PlateauVerdict = 'near plateau' | 'still learning' | 'not learning';

export interface Plateau {
  readonly task: string;
  readonly key: MetricKey;
  /** Mean over seeds per epoch, from epoch 1. */
  readonly means: readonly number[];
  /** Gains in the better direction: epoch 1 to 2, and the last epoch. */
  readonly firstGain: number | undefined;
  readonly lastGain: number | undefined;
  /** Undefined with fewer than 3 epochs. */
  readonly verdict: PlateauVerdict | undefined;
}

export function plateauOf(history: TaskHistory): Plateau {
  const epochs = Math.min(...history.seeds.map((s) => s.length));
  const means = Number.isFinite(epochs)
    ? Array.from({ length: epochs }, (_, e) => meanStd(history.seeds.map((s) => s[e] ?? 0)).mean)
    : [];
  const sign = higherIsBetter(history.key) ? 1 : -1;
  const gain = (to: number) => sign * ((means[to] ?? 0) - (means[to - 1] ?? 0));
  if (means.length < 3) {
    return { ...history, means, firstGain: undefined, lastGain: undefined, verdict: undefined };
  }
  const firstGain = gain(1);
  const lastGain = gain(means.length - 1);
  return {
    task: history.task,
    key: history.key,
    means,
    firstGain,
    lastGain,
    verdict:
      sign * ((means.at(-1) ?? 0) - (means[0] ?? 0)) <= 0
        ? 'not learning'
        : lastGain <= PLATEAU_SHARE * Math.max(firstGain, 0)
          ? 'near plateau'
          : 'still learning',
  };
}

/** The plateau table: the last three epochs' means, the first and last gains, the verdict. */
export function plateauCells(plateaus: readonly Plateau[]): string[][] {
  if (!plateaus.length) return [];
  const shown = Math.min(3, ...plateaus.map((p) => p.means.length));
  const total = Math.max(0, ...plateaus.map((p) => p.means.length));
  const head = Array.from({ length: shown }, (_, i) => `epoch ${total - shown + i + 1}`);
  return [
    ['task (validation)', ...head, 'first gain', 'last gain', 'verdict'],
    ...plateaus.map((p) => [
      `${p.task} ${labelOf(p.key)}`,
      ...p.means.slice(-shown).map((v) => fixed(v, 3)),
      p.firstGain === undefined ? '–' : signed(p.firstGain, 4),
      p.lastGain === undefined ? '–' : signed(p.lastGain, 4),
      p.verdict ?? 'too few epochs',
    ]),
  ];
}

/** One sentence on whether the baselines had learned what they could. */
export function plateauSentence(plateaus: readonly Plateau[]): string {
  if (!plateaus.length)
    return 'No single-task run kept a validation history, so the plateau cannot be judged.';
  const words = plateaus.map((p) => {
    const name = `${p.task} ${labelOf(p.key)}`;
    if (p.verdict === undefined || p.firstGain === undefined || p.lastGain === undefined) {
      return `${name} cannot be judged (fewer than 3 epochs)`;
    }
    const share =
      p.firstGain > 0
        ? ` (${Math.round((100 * Math.max(p.lastGain, 0)) / p.firstGain)} % of the first)`
        : '';
    if (p.verdict === 'not learning') {
      return `${name} has not learned: its last epoch (${fixed(p.means.at(-1), 3)}) is no better than its first (${fixed(p.means[0], 3)})`;
    }
    return `${name} is ${p.verdict === 'near plateau' ? 'near its plateau' : 'still learning'}: its last epoch gained ${signed(p.lastGain, 4)}${share}`;
  });
  return `Single-task baselines: ${words.join('; ')}.`;
}
