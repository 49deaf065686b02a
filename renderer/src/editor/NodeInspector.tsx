import { useShallow } from 'zustand/react/shallow';
import { asNodeId } from '../../../core/ids.ts';
import { kindSpec } from '../../../core/nodes/registry.ts';
import { formatShape } from '../../../core/shape.ts';
import { TASKS } from '../../../core/tasks/registry.ts';
import type { MetricSpec } from '../../../core/tasks/task.ts';
import { isFrozen, weightedNodesBefore } from '../../../core/graph/trainable.ts';
import { renameNode, setNodeLabel, updateParams } from '../graph/commands.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useEditorActions } from './actions.ts';
import { thousands } from './format.ts';
import { CommitInput } from './inputs.tsx';
import { ParamInput } from './ParamInput.tsx';
import { paramFields } from './param-schema.ts';
import { showNotice } from './ui-store.ts';
import { useBindingProblems } from './use-binding-problems.ts';
import { useDatasets } from './use-datasets.ts';

const graph = () => useGraphStore.getState();

/** One node: its id, label and every param from its kind's schema; its shape and problems. */
export function NodeInspector({ nodeId }: { nodeId: string }) {
  // Only what the inspector shows: a drag moves the node without re-rendering this.
  const node = useGraphStore(
    useShallow((s) => {
      const n = s.document.nodes.find((x) => x.id === nodeId);
      return n ? { id: n.id, kind: n.kind, params: n.params, label: n.label } : undefined;
    }),
  );
  const info = useGraphStore((s) => s.analysis.nodes.get(asNodeId(nodeId)));
  const problems = useGraphStore((s) => s.analysis.problems);
  const training = useGraphStore((s) => s.document.training.dataset);
  const datasets = useDatasets();
  const bindings = useBindingProblems();
  const actions = useEditorActions();
  // The nodes with weights before this one that are not frozen yet: what the button would freeze.
  const unfrozenBefore = useGraphStore((s) => {
    const before = new Set(weightedNodesBefore(s.document.nodes, s.document.edges, nodeId));
    return s.document.nodes.filter((n) => before.has(n.id) && !isFrozen(n)).length;
  });
  if (!node) return null;
  const spec = kindSpec(node.kind);
  const fields = paramFields(node.kind);
  const mine = [...problems, ...bindings].filter((p) => p.nodeIds.includes(asNodeId(node.id)));
  const badFields = new Set(mine.map((p) => p.field).filter(Boolean));
  const targets = spec.head
    ? (datasets.find((d) => d.name === training)?.targets ?? [])
        .filter((t) => t.kind === spec.head?.targetKind)
        .map((t) => t.name)
    : undefined;

  const setParam = (name: string, value: unknown) =>
    graph().execute(`Edit ${node.id}`, (d) => updateParams(d, node.id, { [name]: value }), {
      coalesce: `param:${node.id}:${name}`,
    });
  const rename = (newId: string) => {
    const result = graph().attempt(`Rename ${node.id}`, (d) =>
      renameNode(d, node.id, newId.trim()),
    );
    if (!result.ok) showNotice(result.reason);
    else graph().select({ nodeIds: [newId.trim()], edgeIds: [] });
  };
  const done = () => graph().breakCoalescing();

  return (
    <div className="studio-inspector__body">
      <h2 className="studio-panel-title">
        <span className={`studio-chip studio-cat--${spec.category}`}>{spec.title}</span>
      </h2>
      <p className="studio-muted studio-inspector__doc">{spec.doc}</p>
      <div className="studio-field">
        <label className="studio-field__label" htmlFor="inspector-id">
          Id
        </label>
        <CommitInput
          id="inspector-id"
          className="studio-field__input"
          data-testid="inspector-id"
          value={node.id}
          spellCheck={false}
          onCommit={rename}
        />
        <p className="studio-field__help">
          The layer's name in the model; letters, digits, _ and -. Enter to rename.
        </p>
      </div>
      <div className="studio-field">
        <label className="studio-field__label" htmlFor="inspector-label">
          Label
        </label>
        <input
          id="inspector-label"
          className="studio-field__input"
          data-testid="inspector-label"
          type="text"
          value={node.label ?? ''}
          placeholder="A note shown on the node"
          maxLength={100}
          onChange={(e) =>
            graph().execute(`Label ${node.id}`, (d) => setNodeLabel(d, node.id, e.target.value), {
              coalesce: `label:${node.id}`,
            })
          }
          onBlur={done}
        />
      </div>
      {fields.length > 0 && (
        <h3 className="studio-inspector__section">{spec.head ? 'Task' : 'Parameters'}</h3>
      )}
      {fields.map((field) => (
        <ParamInput
          key={field.name}
          field={field}
          value={node.params[field.name]}
          onChange={(value) => setParam(field.name, value)}
          onDone={done}
          invalid={badFields.has(field.name)}
          {...(field.name === 'target' && targets ? { suggestions: targets } : {})}
        />
      ))}
      {spec.head && (
        <div className="studio-field" data-testid="head-metrics">
          <span className="studio-field__label">Metrics</span>
          <p className="studio-inspector__metrics">
            {Object.values(TASKS[spec.head.targetKind].metrics as Record<string, MetricSpec>)
              .map((m) => m.doc)
              .join(', ')}
          </p>
          <p className="studio-field__help">
            Measured for this task in every epoch; fixed by the task kind.
          </p>
        </div>
      )}
      {unfrozenBefore > 0 && (
        <div className="studio-field">
          <button
            type="button"
            data-testid="inspector-freeze-before"
            onClick={() => actions.freezeBefore(node.id)}
            title="Fine-tuning: the layers before this one keep their weights; this one and those after it train"
          >
            Freeze everything before this node
          </button>
        </div>
      )}
      <h3 className="studio-inspector__section">Output</h3>
      <dl className="studio-facts">
        <dt>Shape</dt>
        <dd data-testid="inspector-shape">
          {info?.outputShape ? formatShape(info.outputShape) : '?'}
        </dd>
        <dt>Parameters</dt>
        <dd>
          {info?.paramCount
            ? `${thousands(info.paramCount.trainable + info.paramCount.nonTrainable)}${
                info.paramCount.nonTrainable
                  ? ` (${thousands(info.paramCount.nonTrainable)} not trainable)`
                  : ''
              }`
            : '?'}
        </dd>
        {info && info.inputShapes.length > 0 && (
          <>
            <dt>Input</dt>
            <dd>{info.inputShapes.map(formatShape).join(', ')}</dd>
          </>
        )}
      </dl>
      {mine.length > 0 && (
        <ul className="studio-inspector__problems">
          {mine.map((p, i) => (
            <li key={i} className={`studio-problem--${p.severity}`}>
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
