import type { RunId } from '../../../core/ids.ts';
import { BalancingStatus } from './BalancingStatus.tsx';
import { runDatasetReport, unreadableText } from './dataset-report.ts';
import { duration } from './format.ts';
import { findRun, isLive, type Run } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a run does before its first batch, said rather than a bare "Starting…". */
export const STARTING_TEXT = 'Starting: loading the dataset and building the model…';

/** "Running", "Finished", "Failed: <sentence>"… */
export function statusText(run: Run): string {
  switch (run.status) {
    case 'starting':
      return STARTING_TEXT;
    case 'running':
      if (run.stopping) return 'Stopping after the current batch…';
      if (run.end?.type === 'finished') return 'Evaluating on the test split…';
      return 'Running';
    case 'finished':
      return run.end?.type === 'finished'
        ? `Finished in ${duration(run.end.seconds)}`
        : 'Finished';
    case 'stopped':
      return run.end?.type === 'stopped'
        ? `Stopped in epoch ${run.end.epoch}; ${plural(run.end.epochsCompleted, 'whole epoch')} kept`
        : 'Stopped';
    case 'failed':
      return `Failed: ${run.message ?? 'the run ended with an error.'}`;
  }
}

/**
 * The shown run: what it is doing, on which backend and why, and how far it got (while it trains,
 * its progress is in the bar above, RunBarProgress, which never scrolls away).
 */
export function RunStatus({ runId }: { runId: RunId }) {
  const run = useRunStore((s) => findRun(s, runId));
  if (!run) return null;
  const { started, progress } = run;
  const backend = started?.backend;
  const fallbacks = backend?.fallbacks.map((f) => `not ${f.backend}: ${f.reason}`) ?? [];
  const sizes = started?.dataset.sizes;
  const last = run.epochs[run.epochs.length - 1];
  const report = runDatasetReport(run);

  return (
    <section className="run-status" aria-label="Run status">
      <h3 title={run.label}>{run.label}</h3>
      <p className={`run-status-line status-${run.status}`} data-testid="run-status">
        {statusText(run)}
      </p>
      {run.end && run.end.type !== 'failed' && run.end.reason && !isLive(run) && (
        <p className="run-note" data-testid="run-end-reason">
          {capitalise(run.end.reason)}.
        </p>
      )}
      {backend && (
        <div className="run-backend" data-testid="run-backend" title={fallbacks.join('\n')}>
          <strong>{backend.name}</strong> · {backend.description}
          {fallbacks.length > 0 && (
            <details>
              <summary>why not a faster backend</summary>
              {fallbacks.map((f) => (
                <small key={f}>{f}</small>
              ))}
            </details>
          )}
        </div>
      )}
      {started && sizes && (
        <p className="run-note">
          {started.dataset.name}: {sizes.train} train / {sizes.validation} validation /{' '}
          {sizes.test} test · {started.parameters.toLocaleString('en-US')} parameters
        </p>
      )}
      <BalancingStatus run={run} />
      {report && (
        <div className="run-dataset-report" data-testid="run-dataset-report">
          {report.headline && <p>{report.headline}</p>}
          {report.messages.length > 0 && (
            <ul>
              {report.messages.map((message, i) => (
                <li key={i}>{message}</li>
              ))}
            </ul>
          )}
          {report.unreadable > 0 && (
            <p className="run-dataset-report__unreadable" data-testid="run-unreadable">
              {unreadableText(report.unreadable)}
            </p>
          )}
        </div>
      )}
      {progress && !isLive(run) && (
        <p className="run-note" data-testid="run-progress">
          {plural(run.epochs.length, 'epoch')} of {progress.epochs} done
          {last ? ` · ${last.samplesPerSec.toFixed(1)} samples/s` : ''}
        </p>
      )}
    </section>
  );
}
