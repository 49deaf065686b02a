import { useMemo } from 'react';
import { useGraphStore } from '../graph/graph-store.ts';
import { useEditorActions } from './actions.ts';
import { problemNodeIds, sortedProblems } from './node-view.ts';
import { useBindingProblems } from './use-binding-problems.ts';
import './editor.css';

/** Every problem of the graph, errors first; clicking one selects its nodes and shows them. */
export function ProblemsPanel() {
  const graphProblems = useGraphStore((s) => s.analysis.problems);
  const bindings = useBindingProblems();
  const problems = useMemo(
    () => (bindings.length ? [...graphProblems, ...bindings] : graphProblems),
    [graphProblems, bindings],
  );
  const actions = useEditorActions();
  const sorted = useMemo(() => sortedProblems(problems), [problems]);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return (
    <section className="studio-problems" data-testid="problems-panel">
      <h2 className="studio-panel-title">
        Problems{' '}
        <span className="studio-count" data-testid="problems-count">
          {problems.length}
        </span>
        {problems.length > 0 && (
          <span className="studio-muted studio-problems__summary">
            {errors} error{errors === 1 ? '' : 's'}, {warnings} warning{warnings === 1 ? '' : 's'}
          </span>
        )}
      </h2>
      {sorted.length === 0 ? (
        <p className="studio-problems__none">No problems: the graph is ready to train.</p>
      ) : (
        <ul className="studio-problems__list">
          {sorted.map((p, i) => (
            <li key={`${p.code}-${i}`}>
              <button
                type="button"
                className={`studio-problem studio-problem--${p.severity}`}
                data-testid="problem-item"
                data-code={p.code}
                onClick={() => actions.focusNodes(problemNodeIds(p))}
                title={p.nodeIds.length ? 'Select and show the node' : undefined}
              >
                <span className="studio-problem__icon" aria-label={p.severity}>
                  {p.severity === 'error' ? '✖' : '⚠'}
                </span>
                <span>{p.message}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
