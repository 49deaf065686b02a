import { useEffect } from 'react';
import { useHost } from '../host/host-context.tsx';
import { EarlierRuns } from './EarlierRuns.tsx';
import { Gallery } from './Gallery.tsx';
import { ResultsTable } from './ResultsTable.tsx';
import { RunCharts } from './RunCharts.tsx';
import { RunControls } from './RunControls.tsx';
import { RunList } from './RunList.tsx';
import { RunSettings } from './RunSettings.tsx';
import { RunStatus } from './RunStatus.tsx';
import { connectRunStore, useRunStore } from './run-store.ts';
import './runs.css';

/**
 * Training: the graph's training settings, Start and Stop, the shown run's status, live
 * charts, evaluation and sample predictions, and every run of the session. It reads the run
 * store only (plus the training settings and whether the graph compiles), so training updates
 * never re-render the editor.
 */
export function RunPanel() {
  const host = useHost();
  useEffect(() => connectRunStore(host), [host]);
  const shown = useRunStore((s) => s.selectedRunId);

  return (
    <div className="run-panel">
      <div className="run-side">
        <RunControls />
        {shown && <RunStatus runId={shown} />}
        <RunSettings />
        <RunList />
        <EarlierRuns />
      </div>
      <div className="run-main">
        {shown ? (
          <>
            <RunCharts runId={shown} />
            <div className="run-after">
              <ResultsTable runId={shown} />
              <Gallery runId={shown} />
            </div>
          </>
        ) : (
          <p className="run-empty">
            Press Start to train the graph. Each task’s loss and metrics appear here as it learns;
            every run of this session stays listed on the left to compare and export, and runs of earlier sessions can be opened there again.
          </p>
        )}
      </div>
    </div>
  );
}
