import { useState } from 'react';
import { settingSchema } from '../../../core/graph/setting-fields.ts';
import { useHost } from '../host/host-context.tsx';
import { resumeRun } from './run-actions.ts';
import { findEndedRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

/**
 * Resume for the shown run when it has stopped, finished or failed after at least one epoch:
 * it trains on from its last epoch to the number of epochs given (the run's own, or more once it
 * has reached them), in the same run folder.
 */
export function ResumeControl() {
  const host = useHost();
  const run = useRunStore((s) => findEndedRun(s, s.selectedRunId));
  const busy = useRunStore((s) => s.activeRunId !== undefined || s.starting);
  const [draft, setDraft] = useState<string | null>(null);
  const done = run?.epochs.at(-1)?.epoch ?? 0;
  if (!run || done === 0) return null;
  const planned = run.settings.epochs;
  const suggested = done < planned ? planned : done + planned;
  const text = draft ?? String(suggested);
  const epochs = Number(text);
  const valid = settingSchema('epochs').safeParse(epochs).success && epochs > done;
  const why = valid
    ? `Train ${run.label} on from epoch ${done} to epoch ${epochs}, with its optimizer, schedule and best epoch as they were.`
    : `Give a whole number of epochs above ${done}, the epochs it has trained.`;
  return (
    <span className="run-resume" title={why}>
      <button
        type="button"
        data-testid="btn-resume"
        disabled={busy || !valid}
        onClick={() => {
          setDraft(null);
          void resumeRun(host, run.runId, epochs);
        }}
      >
        Resume
      </button>
      <label className="run-resume-epochs">
        to
        <input
          type="number"
          data-testid="resume-epochs"
          min={done + 1}
          step={1}
          value={text}
          aria-invalid={!valid}
          onChange={(e) => setDraft(e.target.value)}
        />
        epochs
      </label>
    </span>
  );
}
