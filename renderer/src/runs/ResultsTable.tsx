import { balancingSpec } from '../../../core/balancing/methods.ts';
import type { SplitMetrics } from '../../../core/contract/training.ts';
import type { RunId } from '../../../core/ids.ts';
import { fixed, kerasLine, metricsOf } from './format.ts';
import { findEndedRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

interface ResultRow {
  readonly name: string;
  readonly task?: string;
  readonly value: (m: SplitMetrics) => number | undefined;
}

/** The weighted total, then each task's loss and metrics, in the order Keras' evaluate prints them. */
function rowsOf(m: SplitMetrics): ResultRow[] {
  const rows: ResultRow[] = [{ name: 'weighted total', value: (s) => s.loss }];
  for (const [task, t] of Object.entries(m.tasks)) {
    rows.push({ name: 'loss', task, value: (s) => s.tasks[task]?.loss });
    for (const metric of metricsOf(t)) {
      rows.push({ name: metric.label, task, value: (s) => s.tasks[task]?.[metric.key] });
    }
  }
  return rows;
}

/** After a run: the test evaluation and the last epoch's validation, four decimals each. */
export function ResultsTable({ runId }: { runId: RunId }) {
  const run = useRunStore((s) => findEndedRun(s, runId));
  if (!run) return null;
  const last = run.epochs[run.epochs.length - 1];
  const reference = run.test ?? last?.val;
  if (!reference) return null;
  const rows = rowsOf(reference);
  const method = run.settings.balancing.method;

  return (
    <section className="run-results" aria-label="Evaluation">
      <h3>Evaluation</h3>
      <table data-testid="results-table">
        <thead>
          <tr>
            <th>task</th>
            <th>metric</th>
            {run.test && <th className="num">test ({run.test.samples})</th>}
            {last && <th className="num">validation, epoch {last.epoch}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={`${row.task ?? ''}|${row.name}`} className={row.task !== rows[i - 1]?.task ? 'first' : ''}>
              <td>{row.task !== rows[i - 1]?.task ? (row.task ?? '(all)') : ''}</td>
              <td>{row.name}</td>
              {run.test && <td className="num">{fixed(row.value(run.test))}</td>}
              {last && <td className="num">{fixed(row.value(last.val))}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {method !== 'fixed' && (
        <p className="run-note" data-testid="results-total-note">
          {balancingSpec(method).title} sets the weights of the total as it trains, so the total
          compares with no other run or epoch: compare each task’s own values.
        </p>
      )}
      {run.test && <code className="run-keras">{kerasLine(run.test)}</code>}
      {!run.test && <p className="run-note">No test evaluation: the run did not finish.</p>}
    </section>
  );
}
