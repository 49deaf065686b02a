import { useEffect } from 'react';
import { useUiStore } from '../editor/ui-store.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useHost } from '../host/host-context.tsx';
import { EarlierRuns } from './EarlierRuns.tsx';
import { Sweeps } from './Sweeps.tsx';
import { ClassIoUTable } from './ClassIoUTable.tsx';
import { DetectionResults } from './DetectionResults.tsx';
import { Gallery } from './Gallery.tsx';
import { ResultsTable } from './ResultsTable.tsx';
import { RunCharts } from './RunCharts.tsx';
import { RunControls } from './RunControls.tsx';
import { RunList } from './RunList.tsx';
import { RunsTable } from './RunsTable.tsx';
import { RunSettings } from './RunSettings.tsx';
import { RunStatus } from './RunStatus.tsx';
import { connectRunStore, useRunStore } from './run-store.ts';
import './runs.css';

/**
 * Training: Start and Stop in a bar that never scrolls away, then two columns that scroll on
 * their own: the shown run's status, the training settings and every run on the left; the
 * chart cards, evaluation and sample predictions on the right. It reads the run store only
 * (plus the training settings and whether the graph can train), so training updates never
 * re-render the editor.
 */
export function RunPanel() {
  const host = useHost();
  useEffect(() => connectRunStore(host), [host]);
  // Ticks survived a change of dataset and drew cards for tasks the graph no longer has.
  useEffect(
    () =>
      useGraphStore.subscribe((state, before) => {
        if (state.document.training.dataset !== before.document.training.dataset) {
          useRunStore.getState().clearCompare();
        }
      }),
    [],
  );
  const shown = useRunStore((s) => s.selectedRunId);
  const full = useUiStore((s) => s.resultsFull);
  const setFull = useUiStore((s) => s.setResultsFull);

  return (
    <div className="run-panel">
      <div className="run-bar">
        <RunControls />
        <button
          type="button"
          className="run-bar-view"
          data-testid="btn-results-view"
          aria-pressed={full}
          title={
            full
              ? 'Back to the editor above the training panel'
              : 'Give training and its results the whole window'
          }
          onClick={() => setFull(!full)}
        >
          {full ? 'Show the editor' : 'Results view'}
        </button>
      </div>
      <div className="run-body">
        <div className="run-side" data-testid="run-side">
          {shown && <RunStatus runId={shown} />}
          <RunSettings />
          <RunList />
          <EarlierRuns />
          <Sweeps />
        </div>
        <div className="run-main" data-testid="run-main">
          {shown ? (
            <>
              <RunCharts runId={shown} />
              <RunsTable />
              <div className="run-after">
                <ResultsTable runId={shown} />
                <ClassIoUTable runId={shown} />
                <DetectionResults runId={shown} />
                <Gallery runId={shown} />
              </div>
            </>
          ) : (
            <p className="run-empty">
              Press Start to train the graph. Each task’s loss and metrics appear here as it
              learns; every run of this session stays listed on the left to compare and export,
              and runs of earlier sessions can be opened there again.
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
