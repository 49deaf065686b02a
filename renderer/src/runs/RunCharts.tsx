import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunId } from '../../../core/ids.ts';
import {
  allTasksLossModel,
  bestEpochMarker,
  epochCardModel,
  epochCards,
  growingAxisMax,
  learningRateModel,
  runColor,
  type ChartRun,
  type EpochCard,
} from './chart-data.ts';
import { BalancingCards } from './BalancingCards.tsx';
import { ChartCard } from './ChartCard.tsx';
import { fixed } from './format.ts';
import { RunLineChart } from './RunLineChart.tsx';
import { findRun, type Run } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

const NO_TASKS: readonly string[] = [];

const shortRate = (rate: number | undefined) => (rate === undefined ? '–' : rate.toPrecision(3));

const tasksOf = (run: Run): readonly string[] =>
  run.started?.tasks.map((t) => t.task) ?? Object.keys(run.batchSeries);

/**
 * The live charts of the shown run and the runs compared with it, as a grid of cards: every
 * task's loss together (per batch while it trains), then one card per quantity per epoch (the
 * total loss, each task's loss and metrics), where each run has its own colour. Each card gets
 * a model memoised on exactly the data it draws: a batch update redraws the first card only.
 */
export function RunCharts({ runId }: { runId: RunId }) {
  const label = useRunStore((s) => findRun(s, runId)?.label ?? '');
  const started = useRunStore((s) => findRun(s, runId)?.started);
  const batchSeries = useRunStore((s) => findRun(s, runId)?.batchSeries);
  const epochs = useRunStore((s) => findRun(s, runId)?.epochs);
  const overlays = useRunStore(
    useShallow((s) =>
      s.compareRunIds
        .filter((id) => id !== runId)
        .map((id) => findRun(s, id))
        .filter((r): r is Run => r !== undefined),
    ),
  );
  const log = useRunStore((s) => s.logScale);
  const normalised = useRunStore((s) => s.normalised);
  const setLogScale = useRunStore((s) => s.setLogScale);
  const setNormalised = useRunStore((s) => s.setNormalised);

  const tasks = useMemo(() => started?.tasks.map((t) => t.task) ?? NO_TASKS, [started]);
  const shownBatches = useMemo(
    (): ChartRun => ({ label, tasks, batchSeries: batchSeries ?? {}, epochs: epochs ?? [] }),
    [label, tasks, batchSeries, epochs],
  );
  const epochRuns = useMemo(
    (): ChartRun[] => [
      { label, tasks, batchSeries: {}, epochs: epochs ?? [] },
      ...overlays.map((r) => ({ label: r.label, tasks: tasksOf(r), batchSeries: {}, epochs: r.epochs })),
    ],
    [label, tasks, epochs, overlays],
  );
  const allTasks = useMemo(
    () => allTasksLossModel(shownBatches, { log, normalised }),
    [shownBatches, log, normalised],
  );
  const cards = useMemo(() => epochCards(epochRuns), [epochRuns]);
  const marker = useMemo(() => bestEpochMarker(epochRuns[0]), [epochRuns]);
  const rates = useMemo(() => learningRateModel(epochRuns), [epochRuns]);

  // Axes grow with the data, up to what the runs plan, so a long run's start is readable.
  const steps = useMemo(() => {
    const planned = started ? started.epochs * started.batchesPerEpoch : 0;
    const seen = Math.max(
      0,
      ...Object.values(batchSeries ?? {}).map((s) => s.points.at(-1)?.step ?? 0),
    );
    return growingAxisMax(seen, planned);
  }, [started, batchSeries]);
  const epochCount = growingAxisMax(
    Math.max(1, epochs?.length ?? 0, ...overlays.map((r) => r.epochs.length)),
    Math.max(1, started?.epochs ?? 1, ...overlays.map((r) => r.epochs.length)),
  );
  const perBatch = allTasks.xKey === 'step';
  // The title stays put when the card turns from batches to epochs: the x axis says which.
  const allTitle = `All tasks · loss${normalised ? ' ÷ first value' : ''}`;

  return (
    <section className="run-charts" aria-label="Training charts">
      <div className="run-charts-bar">
        <h3>Charts</h3>
        <RunsLegend runs={epochRuns} />
        <label className="run-check" title="Divide each task’s loss by its first value, so tasks on different scales can be compared">
          <input
            type="checkbox"
            data-testid="toggle-normalised"
            checked={normalised}
            onChange={(e) => setNormalised(e.target.checked)}
          />
          normalise task losses
        </label>
        <label className="run-check">
          <input
            type="checkbox"
            data-testid="toggle-log-scale"
            checked={log}
            onChange={(e) => setLogScale(e.target.checked)}
          />
          log scale
        </label>
      </div>
      <div className="run-cards">
        <ChartCard testId="chart-batch-loss" title={allTitle}>
          <RunLineChart
            name={`${allTitle} per ${perBatch ? 'batch' : 'epoch'}, ${label}`}
            model={allTasks}
            xKey={allTasks.xKey}
            xMax={perBatch ? steps || undefined : epochCount}
            yLabel={normalised ? 'loss ÷ first' : 'loss'}
            log={log}
            legend
          />
        </ChartCard>
        {cards.map((card) => (
          <EpochChartCard
            key={card.id}
            card={card}
            runs={epochRuns}
            xMax={epochCount}
            log={log}
            marker={marker}
          />
        ))}
        {rates.rows.length > 0 && (
          <ChartCard
            testId="chart-learning-rate"
            title="Learning rate per epoch"
            aside={`now ${shortRate(epochs?.at(-1)?.learningRate)}`}
          >
            <RunLineChart
              name="Learning rate per epoch"
              model={rates}
              xKey="epoch"
              xMax={epochCount}
              // The card's title names the quantity: a rotated "rate" ran over the tick values.
              yLabel=""
              marker={marker}
            />
          </ChartCard>
        )}
        <BalancingCards runs={epochRuns} xMax={epochCount} log={log} normalised={normalised} />
      </div>
    </section>
  );
}

/** One per-epoch card, with the shown run's latest train and validation values in its caption. */
function EpochChartCard(props: {
  card: EpochCard;
  runs: readonly ChartRun[];
  xMax: number;
  log: boolean;
  marker: { x: number; label: string } | undefined;
}) {
  const { card, runs, xMax, marker } = props;
  const log = props.log && card.scale === 'loss';
  const model = useMemo(() => epochCardModel(runs, card.value, log), [runs, card, log]);
  const last = runs[0]?.epochs.at(-1);
  const first = runs[0]?.epochs[0];
  const train = last && card.value(last.train, first?.train);
  const val = last && card.value(last.val, first?.val);
  const aside =
    train === undefined ? undefined : `train ${fixed(train, 3)} · val ${val === undefined ? '–' : fixed(val, 3)}`;
  return (
    <ChartCard testId={`chart-${card.id.replace('|', '-')}`} title={card.title} aside={aside}>
      <RunLineChart
        name={`${card.title} per epoch`}
        model={model}
        xKey="epoch"
        xMax={xMax}
        yLabel={card.yLabel}
        log={log}
        ratio={card.scale === 'ratio'}
        marker={marker}
      />
    </ChartCard>
  );
}

/** Which colour is which run on the per-epoch cards, and what solid and dashed mean. */
function RunsLegend({ runs }: { runs: readonly ChartRun[] }) {
  return (
    <div className="run-legend" data-testid="runs-legend">
      {runs.map((run, r) => (
        <span key={`${r}|${run.label}`} className="run-legend-item" data-testid="runs-legend-item">
          <i className="run-swatch" style={{ background: runColor(r) }} aria-hidden="true" />
          {run.label}
          {r === 0 && runs.length > 1 ? ' (shown)' : ''}
        </span>
      ))}
      <span className="run-legend-item muted">
        <svg width="22" height="6" aria-hidden="true">
          <line x1="0" y1="3" x2="22" y2="3" stroke="currentColor" strokeWidth="2" />
        </svg>
        train
        <svg width="22" height="6" aria-hidden="true">
          <line x1="0" y1="3" x2="22" y2="3" stroke="currentColor" strokeWidth="2" strokeDasharray="6 4" />
        </svg>
        validation
      </span>
    </div>
  );
}
