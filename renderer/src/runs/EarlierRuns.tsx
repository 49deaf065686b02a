import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SavedRunInfo } from '../../../core/contract/host.ts';
import { openRunGraph } from '../editor/actions.ts';
import { useHost } from '../host/host-context.tsx';
import { summaryText } from './format.ts';
import { earlierRunGraph, openEarlierRun, sentenceOf } from './run-actions.ts';
import { isLive } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';
import { runDate, savedStatusText } from './saved-run.ts';

/**
 * The runs kept in the host's runs folder that this session did not train: read when the panel
 * opens and again whenever a run of the session ends. Open shows one like a session run (to
 * compare and export); "Open its graph" puts the graph it trained in the editor.
 */
export function EarlierRuns() {
  const host = useHost();
  // In the store, so a rename shows here as soon as the host has kept it.
  const runs = useRunStore((s) => s.savedRuns);
  const [problem, setProblem] = useState<string>();
  // Runs trained in this session are listed above, with their live state.
  const sessionRunIds = useRunStore(
    useShallow((s) => s.runs.filter((r) => !r.earlier).map((r) => r.runId as string)),
  );
  const ended = useRunStore((s) => s.runs.filter((r) => !r.earlier && !isLive(r)).length);

  useEffect(() => {
    let current = true;
    host.listRuns().then(
      (list) => {
        if (!current) return;
        useRunStore.getState().setSavedRuns(list);
        setProblem(undefined);
      },
      (e: unknown) => current && setProblem(sentenceOf(e)),
    );
    return () => {
      current = false;
    };
  }, [host, ended]);

  const shown = runs.filter((r) => !sessionRunIds.includes(r.runId));
  if (shown.length === 0 && !problem) return null;
  return (
    <section className="run-list earlier-runs" aria-label="Earlier runs">
      <h3>Earlier runs</h3>
      {problem && <p className="run-error">{problem}</p>}
      <ul data-testid="earlier-runs">
        {shown.map((info) => (
          <EarlierRunItem key={info.runId} info={info} />
        ))}
      </ul>
    </section>
  );
}

function EarlierRunItem({ info }: { info: SavedRunInfo }) {
  const host = useHost();
  const open = useRunStore((s) => s.runs.some((r) => r.runId === info.runId));
  const status = savedStatusText(info);

  return (
    <li className="run-item earlier-run" data-testid="earlier-run">
      <div className="run-item-main">
        <span className="run-item-label">{info.name ?? info.graphName}</span>
        <span className="run-item-date">{runDate(info.createdAt)}</span>
        <span className={`run-item-status status-${info.status}`} title={info.message}>
          {status} · {info.epochsCompleted}/{info.epochs} epochs · {info.dataset}
          {info.balancing ? ` · ${info.balancing}` : ''}
        </span>
        {info.test && (
          <span className="run-item-metrics">test {summaryText(info.test)}</span>
        )}
      </div>
      <div className="run-item-actions">
        <button
          type="button"
          data-testid="btn-open-run"
          aria-label={`${open ? 'Show' : 'Open'} the run of ${info.graphName} from ${runDate(info.createdAt)}`}
          title="Show this run’s charts and results, to compare or export."
          onClick={() => void openEarlierRun(host, info)}
        >
          {open ? 'Show' : 'Open'}
        </button>
        <button
          type="button"
          data-testid="btn-open-run-graph"
          aria-label={`Open the graph of the run of ${info.graphName} from ${runDate(info.createdAt)}`}
          title="Open the graph this run trained in the editor, as unsaved work named after the run."
          onClick={() =>
            void earlierRunGraph(host, info.runId).then(
              (graph) => graph && openRunGraph(info.name ?? info.graphName, graph),
            )
          }
        >
          Open its graph
        </button>
      </div>
    </li>
  );
}
