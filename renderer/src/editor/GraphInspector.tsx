import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../../core/format.ts';
import { estimateMemory, memoryBreakdown } from '../../../core/graph/memory.ts';
import { formatShape } from '../../../core/shape.ts';
import { updateGraphInfo } from '../graph/commands.ts';
import { freezable } from '../graph/freeze.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useEditorActions } from './actions.ts';
import { thousands } from './format.ts';
import { CommitInput } from './inputs.tsx';
import { tooltip } from './shortcuts.ts';

const graph = () => useGraphStore.getState();

/** Nothing selected: the graph's name and description, its totals and a hint. */
export function GraphInspector() {
  const name = useGraphStore((s) => s.document.name);
  const description = useGraphStore((s) => s.document.description);
  const count = useGraphStore((s) => s.document.nodes.length);
  const analysis = useGraphStore((s) => s.analysis);
  const training = useGraphStore((s) => s.document.training);
  const total = analysis.totalParams.trainable + analysis.totalParams.nonTrainable;
  const memory = useMemo(() => estimateMemory(analysis, training), [analysis, training]);
  const done = () => graph().breakCoalescing();
  return (
    <div className="studio-inspector__body">
      <h2 className="studio-panel-title">Graph</h2>
      <div className="studio-field">
        <label className="studio-field__label" htmlFor="graph-name">
          Name
        </label>
        <CommitInput
          id="graph-name"
          data-testid="graph-name"
          className="studio-field__input"
          value={name}
          maxLength={200}
          onCommit={(text) => {
            // A graph file needs a name; an emptied field goes back to the one it had.
            if (text.trim())
              graph().execute('Rename graph', (d) => updateGraphInfo(d, { name: text }));
          }}
        />
        <p className="studio-field__help">Enter to rename.</p>
      </div>
      <div className="studio-field">
        <label className="studio-field__label" htmlFor="graph-description">
          Description
        </label>
        <textarea
          id="graph-description"
          data-testid="graph-description"
          className="studio-field__input"
          rows={3}
          value={description}
          maxLength={5000}
          onChange={(e) =>
            graph().execute(
              'Edit description',
              (d) => updateGraphInfo(d, { description: e.target.value }),
              { coalesce: 'graph-description' },
            )
          }
          onBlur={done}
        />
      </div>
      <p className="studio-muted">
        {count} node{count === 1 ? '' : 's'}, {analysis.heads.length} task
        {analysis.heads.length === 1 ? '' : 's'}
        {analysis.ok ? `, ${thousands(total)} parameters` : ''}
        {analysis.ok && analysis.totalParams.nonTrainable > 0
          ? ` (${thousands(analysis.totalParams.trainable)} trainable)`
          : ''}
        .
      </p>
      {analysis.ok && (
        <p className="studio-muted" data-testid="graph-memory" title={memoryBreakdown(memory)}>
          Training needs about {formatBytes(memory.total)} at batch {memory.batchSize}.
        </p>
      )}
      <p className="studio-hint">
        Select a node to edit its parameters. A layer clicked in the palette goes after the selected
        node, linked to it. To link two nodes, drag from one's output handle to the other's input,
        or select one, then Ctrl-click the other and press K. Shift+drag selects a box.
      </p>
    </div>
  );
}

/** Several things selected: how many, and what can be done to all of them. */
export function SelectionInspector({ nodes, links }: { nodes: number; links: number }) {
  const actions = useEditorActions();
  const { toFreeze, toUnfreeze } = useGraphStore(
    useShallow((s) => freezable(s.document, s.selection.nodeIds)),
  );
  const parts = [
    nodes > 0 && `${nodes} node${nodes === 1 ? '' : 's'}`,
    links > 0 && `${links} link${links === 1 ? '' : 's'}`,
  ].filter(Boolean);
  return (
    <div className="studio-inspector__body">
      <h2 className="studio-panel-title">Selection</h2>
      <p data-testid="selection-count">{parts.join(' and ')} selected.</p>
      <div className="studio-button-row">
        {nodes > 0 && (
          <button type="button" onClick={actions.duplicate} title={tooltip('duplicate')}>
            Duplicate
          </button>
        )}
        {toFreeze > 0 && (
          <button type="button" onClick={actions.freeze} title={tooltip('freeze')}>
            Freeze
          </button>
        )}
        {toUnfreeze > 0 && (
          <button type="button" onClick={actions.unfreeze} title={tooltip('unfreeze')}>
            Unfreeze
          </button>
        )}
        <button type="button" onClick={actions.delete} title={tooltip('delete')}>
          Delete
        </button>
      </div>
    </div>
  );
}

/** One link: what it connects and the shape it carries. */
export function EdgeInspector({ edgeId }: { edgeId: string }) {
  const edge = useGraphStore((s) => s.document.edges.find((e) => e.id === edgeId));
  const shape = useGraphStore((s) => s.analysis.edgeShapes.get(edgeId));
  const actions = useEditorActions();
  if (!edge) return null;
  return (
    <div className="studio-inspector__body">
      <h2 className="studio-panel-title">Link</h2>
      <dl className="studio-facts">
        <dt>From</dt>
        <dd>{edge.source}</dd>
        <dt>To</dt>
        <dd>
          {edge.target}
          {edge.targetPort === 'in' ? '' : ` (input ${edge.targetPort})`}
        </dd>
        <dt>Shape</dt>
        <dd>{shape ? formatShape(shape) : '?'}</dd>
      </dl>
      <p className="studio-hint">Drag an end of the link to another port to reconnect it.</p>
      <button type="button" onClick={actions.delete} title={tooltip('delete')}>
        Delete link
      </button>
    </div>
  );
}
