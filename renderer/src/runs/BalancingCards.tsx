import { useMemo } from 'react';
import {
  cosineModel,
  gradNormModel,
  lossRatioModel,
  weightsModel,
} from './balancing-chart-data.ts';
import type { ChartRun } from './chart-data.ts';
import { ChartCard } from './ChartCard.tsx';
import { RunLineChart } from './RunLineChart.tsx';

const HELP = {
  weights:
    'the weight each task’s loss had, averaged over the epoch; with fixed weights they are the graph’s own, and equal weights draw one line over the other.',
  norms:
    'how hard each task pulls the shared trunk: the size of its loss’s gradient there, on a fixed probe batch. Lines close together mean the tasks share the trunk; one far above the rest drives it, which balancing methods try to even out.',
  cosine:
    'solid lines: the cosine between two tasks’ gradients on the trunk, 1 when they agree, 0 when unrelated, below 0 when one task’s step undoes the other’s (above 0 is good). Dashed: the share of probes where they conflicted, from 0 (never, good) to 1 (always), on the same axis.',
  lossRatio:
    'each task’s loss on the probe batch over its loss before training: 1 is where it started, lower is better, and tasks that fall together are learning at the same pace.',
} as const;

/**
 * Cards of the run panel's grid for how the balancing moves the tasks and how their gradients
 * meet on the shared trunk: task weights, per-task gradient norm, pairwise cosine with the
 * conflict share, and, with "normalise task losses", L_k(t)/L_k(0) on the probe batch. Lines
 * are tasks (or pairs); compared runs are thinner and dotted.
 */
export function BalancingCards({
  runs,
  xMax,
  log,
  normalised,
}: {
  /** The shown run first, then the compared runs. */
  runs: readonly ChartRun[];
  xMax: number;
  log: boolean;
  normalised: boolean;
}) {
  const weights = useMemo(() => weightsModel(runs), [runs]);
  const norms = useMemo(() => gradNormModel(runs, log), [runs, log]);
  const cosine = useMemo(() => cosineModel(runs), [runs]);
  const lossRatio = useMemo(() => lossRatioModel(runs, log), [runs, log]);
  return (
    <>
      <ChartCard
        testId="chart-weights"
        title="Task weights"
        aside="effective weight of each loss"
        help={HELP.weights}
      >
        <RunLineChart name="Task weights per epoch" model={weights} xKey="epoch" xMax={xMax} yLabel="weight" legend />
      </ChartCard>
      <ChartCard
        testId="chart-grad-norm"
        title="Gradient norm on the trunk"
        aside="probe batch"
        help={HELP.norms}
      >
        <RunLineChart
          name="Each task's gradient norm on the shared trunk per epoch"
          model={norms}
          xKey="epoch"
          xMax={xMax}
          yLabel="norm"
          log={log}
          legend
        />
      </ChartCard>
      <ChartCard
        testId="chart-cosine"
        title="Gradient cosine between tasks"
        aside="dashed: share in conflict"
        help={HELP.cosine}
      >
        <RunLineChart
          name="Pairwise gradient cosine and the share of probes in conflict per epoch"
          model={cosine}
          xKey="epoch"
          xMax={xMax}
          yLabel="cosine"
          signed
          legend
        />
      </ChartCard>
      {normalised && (
        <ChartCard
          testId="chart-loss-ratio"
          title="Loss ÷ loss before training"
          aside="probe batch"
          help={HELP.lossRatio}
        >
          <RunLineChart
            name="Each task's loss on the probe batch over its loss before training"
            model={lossRatio}
            xKey="epoch"
            xMax={xMax}
            yLabel="L / L(0)"
            log={log}
            legend
          />
        </ChartCard>
      )}
    </>
  );
}
