import { useMemo } from 'react';
import { useGraphStore } from '../graph/graph-store.ts';
import { Dialog } from './Dialog.tsx';
import { modelSummary } from './summary.ts';

/** The model summary, one click from the toolbar. */
export function SummaryDialog() {
  const doc = useGraphStore((s) => s.document);
  const analysis = useGraphStore((s) => s.analysis);
  const summary = useMemo(() => modelSummary(doc, analysis), [doc, analysis]);
  return (
    <Dialog title={`Model: ${doc.name}`} testId="summary-dialog">
      {summary.errors > 0 && (
        <p className="studio-notice-inline">
          The graph has {summary.errors} error{summary.errors === 1 ? '' : 's'}; layers after them
          have no shape yet (see Problems).
        </p>
      )}
      <table className="studio-table studio-summary-table">
        <thead>
          <tr>
            <th>Layer (type)</th>
            <th>Output shape</th>
            <th className="studio-num">Param #</th>
            <th className="studio-num" title="Memory in training at the graph's batch size">
              Memory
            </th>
            <th>Connected to</th>
            {summary.showTrainable && <th>Trainable</th>}
          </tr>
        </thead>
        <tbody>
          {summary.rows.map((r) => (
            <tr key={r.id} data-testid="summary-row">
              <td>
                <strong>{r.id}</strong> ({r.kind}
                {r.detail ? `: ${r.detail}` : ''})
              </td>
              <td className="studio-mono">{r.shape}</td>
              <td className="studio-num studio-mono">{r.params}</td>
              <td className="studio-num studio-mono">{r.memory}</td>
              <td>{r.connectedTo}</td>
              {summary.showTrainable && <td data-testid="summary-row-trainable">{r.trainable}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="studio-facts studio-summary-totals">
        <dt>Total params</dt>
        <dd data-testid="summary-total">{summary.total}</dd>
        <dt>Trainable params</dt>
        <dd data-testid="summary-trainable">{summary.trainable}</dd>
        <dt>Non-trainable params</dt>
        <dd data-testid="summary-non-trainable">{summary.nonTrainable}</dd>
        <dt>Memory to train</dt>
        <dd data-testid="summary-memory">{summary.memory}</dd>
      </dl>
      {summary.tasks.length > 0 && (
        <>
          <h3>Tasks</h3>
          <ul>
            {summary.tasks.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </>
      )}
    </Dialog>
  );
}
