import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isLive, type Run } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';
import {
  bestRows,
  deltaAgainst,
  differingColumns,
  metricColumns,
  metricText,
  runValues,
  type ComparedRun,
} from './runs-compare.ts';

const compared = (run: Run): ComparedRun => {
  const last = run.epochs.at(-1);
  const sizes = run.started?.dataset.sizes;
  return {
    label: run.label,
    graph: run.graph,
    settings: run.settings,
    ...(last?.weights ? { weights: last.weights } : {}),
    ...(sizes ? { samples: sizes.train + sizes.validation + sizes.test } : {}),
    ...(run.test ? { metrics: run.test } : last ? { metrics: last.val } : {}),
    metricsFrom: run.test ? 'test' : last ? 'validation' : 'none',
  };
};

/** Δm% of a row against the first: "+2.31", "base" for the first itself. */
function deltaText(i: number, row: ComparedRun, first: ComparedRun | undefined): string {
  if (i === 0) return 'base';
  const delta = deltaAgainst(row.metrics, first?.metrics);
  return delta === undefined ? '–' : `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`;
}

/**
 * The shown run and the runs ticked to compare with it, side by side: the settings that differ
 * between them and their test metrics (a run without a test evaluation shows its last
 * validation, in italics), as TensorBoard's hyperparameter view does. Shown once two are
 * compared: every run of a long session would be columns no one can read.
 */
export function RunsTable() {
  const runs = useRunStore(
    useShallow((s) =>
      s.runs.filter(
        (r) =>
          !isLive(r) && (r.runId === s.selectedRunId || s.compareRunIds.includes(r.runId)),
      ),
    ),
  );
  const shownId = useRunStore((s) => s.selectedRunId);
  // The shown run first: the one Δm% measures the others against.
  const rows = useMemo(
    () =>
      [...runs.filter((r) => r.runId === shownId), ...runs.filter((r) => r.runId !== shownId)].map(
        compared,
      ),
    [runs, shownId],
  );
  const settings = useMemo(() => differingColumns(rows), [rows]);
  const metrics = useMemo(() => metricColumns(rows), [rows]);
  const best = useMemo(() => new Map(metrics.map((c) => [c.key, bestRows(rows, c.key)])), [metrics, rows]);
  if (rows.length < 2) return null;
  return (
    <section className="run-results runs-table" aria-label="Runs compared">
      <h3>Runs compared</h3>
      <div className="runs-table-scroll">
        <table data-testid="runs-table">
          <thead>
            <tr>
              <th>run</th>
              {settings.map((c) => (
                <th
                  key={c.key}
                  title={c.key.startsWith('weight ') ? 'The weight the run trained with: a balancing method’s, over its last epoch' : undefined}
                >
                  {c.title}
                </th>
              ))}
              {metrics.map((c) => (
                <th
                  key={c.key}
                  className="num"
                  title={c.key === 'deltaM' ? `Mean relative change of every task metric against ${rows[0]?.label ?? 'the shown run'}, better positive` : undefined}
                >
                  {c.title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const values = runValues(row);
              return (
                <tr key={`${i}|${row.label}`} data-testid="runs-table-row">
                  <td>{row.label}</td>
                  {settings.map((c) => (
                    <td key={c.key}>{values.get(c.key) ?? '–'}</td>
                  ))}
                  {metrics.map((c) => {
                    const isBest = best.get(c.key)?.has(i) ?? false;
                    return (
                      <td
                        key={c.key}
                        className={`num${row.metricsFrom === 'validation' ? ' muted-italic' : ''}${isBest ? ' runs-best' : ''}`}
                        data-best={isBest || undefined}
                        title={`${row.metricsFrom === 'validation' ? 'Validation, last epoch: the run has no test evaluation' : 'Test split'}${isBest ? '; the best of the runs compared' : ''}`}
                      >
                        {c.key === 'deltaM' ? deltaText(i, row, rows[0]) : metricText(row.metrics, c.key)}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {settings.length === 0 && <p className="run-note">The runs have the same settings.</p>}
    </section>
  );
}
