import { useEffect, useState } from 'react';
import { deltaMNote, sweepCells, sweepSummary } from '../../../core/balancing/sweep.ts';
import type { SavedSweep } from '../../../core/contract/host.ts';
import { useHost } from '../host/host-context.tsx';
import { sentenceOf } from './run-actions.ts';
import { isLive } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

/**
 * The sweeps (method comparisons written by `sweep`) kept in the host's runs folder: each opens
 * to its table — per method, each task's test metrics (mean ± std over seeds), Δm% and time per
 * epoch against fixed — as the command line prints it.
 */
export function Sweeps() {
  const host = useHost();
  const [sweeps, setSweeps] = useState<readonly SavedSweep[]>([]);
  const [problem, setProblem] = useState<string>();
  const ended = useRunStore((s) => s.runs.filter((r) => !isLive(r)).length);

  useEffect(() => {
    let current = true;
    host.listSweeps().then(
      (list) => {
        if (!current) return;
        setSweeps(list);
        setProblem(undefined);
      },
      (e: unknown) => current && setProblem(sentenceOf(e)),
    );
    return () => {
      current = false;
    };
  }, [host, ended]);

  if (sweeps.length === 0 && !problem) return null;
  return (
    <section className="run-list sweeps" aria-label="Sweeps">
      <h3>Sweeps</h3>
      {problem && <p className="run-error">{problem}</p>}
      <ul data-testid="sweeps">
        {sweeps.map((s) => (
          <SweepItem key={s.id} saved={s} />
        ))}
      </ul>
    </section>
  );
}

function SweepItem({ saved }: { saved: SavedSweep }) {
  const [open, setOpen] = useState(false);
  const { sweep } = saved;
  const [header = [], ...rows] = sweepCells(sweep.rows);
  const note = deltaMNote(sweep.rows);
  return (
    <li className="run-item" data-testid="sweep-item">
      <div className="run-item-main">
        <span className="run-item-label">
          {sweep.graphName} on {sweep.dataset}
        </span>
        <span className="run-item-date">{saved.id}</span>
        <button type="button" data-testid="sweep-toggle" onClick={() => setOpen(!open)}>
          {open ? 'Hide table' : 'Show table'}
        </button>
      </div>
      {open && (
        <div className="sweep-table" data-testid="sweep-table">
          <p className="run-note">{sweepSummary(sweep)}</p>
          <table>
            <thead>
              <tr>
                {header.map((h) => (
                  <th key={h}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row[0]}>
                  {row.map((cell, i) => (
                    <td key={`${row[0]}|${header[i]}`}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {note && (
            <p className="run-note" data-testid="sweep-note">
              {note}
            </p>
          )}
        </div>
      )}
    </li>
  );
}
