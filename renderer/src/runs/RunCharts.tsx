import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunId } from '../../../core/ids.ts';
import {
  batchLossModel,
  growingAxisMax,
  epochLossModel,
  metricsModel,
  totalLossModel,
  type ChartRun,
} from './chart-data.ts';
import { RunLineChart } from './RunLineChart.tsx';
import { findRun, type Run } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

const NO_TASKS: readonly string[] = [];

const tasksOf = (run: Run): readonly string[] =>
  run.started?.tasks.map((t) => t.task) ?? Object.keys(run.batchSeries);

/**
 * The live charts of the shown run, with the compared runs overlaid. Each chart gets a model
 * memoised on exactly the data it draws: a batch update redraws the batch-loss chart only, an
 * epoch redraws the epoch charts.
 */
export function RunCharts({ runId }: { runId: RunId }) {
  const label = useRunStore((s) => findRun(s, runId)?.label ?? '');
  const started = useRunStore((s) => findRun(s, runId)?.started);
  const batchSeries = useRunStore((s) => findRun(s, runId)?.batchSeries);
  const epochs = useRunStore((s) => findRun(s, runId)?.epochs);
  const earlier = useRunStore((s) => findRun(s, runId)?.earlier === true);
  const overlays = useRunStore(
    useShallow((s) =>
      s.compareRunIds
        .filter((id) => id !== runId)
        .map((id) => findRun(s, id))
        .filter((r): r is Run => r !== undefined),
    ),
  );
  const log = useRunStore((s) => s.logScale);
  const setLogScale = useRunStore((s) => s.setLogScale);

  const tasks = useMemo(() => started?.tasks.map((t) => t.task) ?? NO_TASKS, [started]);
  const overlayRuns = useMemo(
    () =>
      overlays.map((r): ChartRun => ({
        label: r.label,
        tasks: tasksOf(r),
        batchSeries: r.batchSeries,
        epochs: r.epochs,
      })),
    [overlays],
  );
  const batchRuns = useMemo(
    () => [{ label, tasks, batchSeries: batchSeries ?? {}, epochs: [] }, ...overlayRuns],
    [label, tasks, batchSeries, overlayRuns],
  );
  const epochRuns = useMemo(
    () => [{ label, tasks, batchSeries: {}, epochs: epochs ?? [] }, ...overlayRuns],
    [label, tasks, epochs, overlayRuns],
  );

  const batchModel = useMemo(() => batchLossModel(batchRuns, log), [batchRuns, log]);
  const epochModel = useMemo(() => epochLossModel(epochRuns, log), [epochRuns, log]);
  const totalModel = useMemo(() => totalLossModel(epochRuns, log), [epochRuns, log]);
  const metrics = useMemo(() => metricsModel(epochRuns), [epochRuns]);

  // Axes grow with the data, up to what the runs plan, so a long run's start is readable.
  const steps = useMemo(() => {
    const planned = Math.max(
      0,
      ...[started, ...overlays.map((r) => r.started)].map((s) =>
        s ? s.epochs * s.batchesPerEpoch : 0,
      ),
    );
    const seen = Math.max(
      0,
      ...[batchSeries ?? {}, ...overlays.map((r) => r.batchSeries)].flatMap((series) =>
        Object.values(series).map((s) => s.points.at(-1)?.step ?? 0),
      ),
    );
    return growingAxisMax(seen, planned);
  }, [started, overlays, batchSeries]);
  const epochCount = growingAxisMax(
    Math.max(1, epochs?.length ?? 0, ...overlays.map((r) => r.epochs.length)),
    Math.max(1, started?.epochs ?? 1, ...overlays.map((r) => r.epochs.length)),
  );

  return (
    <section className="run-charts" aria-label="Training charts">
      <div className="run-charts-bar">
        <h3>Charts</h3>
        <ChartLegend runs={epochRuns} />
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
      <div className="run-charts-grid">
        <RunLineChart
          testId="chart-batch-loss"
          title={
            earlier
              ? 'Loss per batch: not kept in the run folder, only per epoch'
              : 'Loss per batch (smoothed; raw faint)'
          }
          model={batchModel}
          xKey="step"
          xMax={steps || undefined}
          log={log}
        />
        <RunLineChart
          testId="chart-epoch-loss"
          title="Loss per epoch"
          model={epochModel}
          xKey="epoch"
          xMax={epochCount}
          log={log}
        />
        <RunLineChart
          testId="chart-metrics"
          title="Metrics per epoch"
          model={metrics}
          xKey="epoch"
          xMax={epochCount}
          ratio
        />
        <RunLineChart
          testId="chart-total-loss"
          title="Total loss per epoch (Σ weight × task loss)"
          model={totalModel}
          xKey="epoch"
          xMax={epochCount}
          log={log}
        />
      </div>
    </section>
  );
}

/** What the dashes mean and which thin lines are other runs; each chart names its tasks. */
function ChartLegend({ runs }: { runs: readonly ChartRun[] }) {
  return (
    <div className="run-legend">
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
      {runs.slice(1).map((run) => (
        <span key={run.label} className="run-legend-item muted">
          <svg width="22" height="6" aria-hidden="true">
            <line x1="0" y1="3" x2="22" y2="3" stroke="currentColor" strokeWidth="1" opacity="0.6" />
          </svg>
          {run.label}
        </span>
      ))}
    </div>
  );
}
