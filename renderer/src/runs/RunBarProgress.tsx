import { progressFraction, progressText } from './format.ts';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';
import { STARTING_TEXT } from './RunStatus.tsx';

/**
 * The run in progress, in the bar beside Start and Stop that never scrolls away: what it is
 * doing while it starts, then its epoch, batch, speed and time left with a thin bar.
 */
export function RunBarProgress() {
  const run = useRunStore((s) => findRun(s, s.activeRunId));
  const asking = useRunStore((s) => s.starting);
  if (!run && !asking) return null;
  const progress = run?.progress;
  const fraction = progress ? progressFraction(progress) : 0;
  return (
    <span className="run-bar-progress" data-testid="run-progress" aria-live="polite">
      <span className="run-bar-progress__text">
        {run?.label && <strong>{run.label}</strong>}{' '}
        {progress && run?.status === 'running' ? progressText(progress) : STARTING_TEXT}
      </span>
      {progress && (
        <span
          className="run-progress-bar"
          role="progressbar"
          aria-label="Training progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
        >
          <span style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
        </span>
      )}
    </span>
  );
}
