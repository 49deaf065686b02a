import { useMemo, useState, type DragEvent } from 'react';
import type { NodeCategory } from '../../../core/nodes/kind.ts';
import { kindSpec, NODE_KIND_NAMES, type NodeKind } from '../../../core/nodes/registry.ts';
import { useEditorActions } from './actions.ts';
import { KIND_MIME } from './dnd.ts';
import './editor.css';

const GROUPS: readonly { category: NodeCategory; title: string }[] = [
  { category: 'input', title: 'Input' },
  { category: 'trunk', title: 'Trunk layers' },
  { category: 'merge', title: 'Merges' },
  { category: 'head', title: 'Task heads' },
];

const matches = (kind: NodeKind, query: string) => {
  if (!query) return true;
  const spec = kindSpec(kind);
  return `${kind} ${spec.title} ${spec.doc}`.toLowerCase().includes(query);
};

/**
 * Every node kind, grouped and searchable: a click adds one after the selected node, linked
 * from it (or in the middle of the canvas); a drag puts one where it is dropped.
 */
export function Palette() {
  const [query, setQuery] = useState('');
  const actions = useEditorActions();
  const q = query.trim().toLowerCase();
  const groups = useMemo(
    () =>
      GROUPS.map((g) => ({
        ...g,
        kinds: NODE_KIND_NAMES.filter((k) => kindSpec(k).category === g.category && matches(k, q)),
      })).filter((g) => g.kinds.length > 0),
    [q],
  );

  const onDragStart = (e: DragEvent, kind: NodeKind) => {
    e.dataTransfer.setData(KIND_MIME, kind);
    e.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <div className="studio-palette-panel" data-testid="palette">
      <input
        type="search"
        className="studio-palette-search"
        placeholder="Search layers…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
        aria-label="Search node kinds"
      />
      {groups.length === 0 && <p className="studio-muted">No node kind matches “{query}”.</p>}
      {groups.map((g) => (
        <section key={g.category} className="studio-palette-group">
          <h3 className={`studio-palette-group__title studio-cat--${g.category}`}>{g.title}</h3>
          {g.kinds.map((kind) => {
            const spec = kindSpec(kind);
            return (
              <button
                type="button"
                key={kind}
                className={`studio-palette-item studio-cat--${spec.category}`}
                draggable
                onDragStart={(e) => onDragStart(e, kind)}
                onClick={() => actions.addNode(kind)}
                title={`${spec.doc}\nClick to add it after the selected node, linked to it; or drag it onto the canvas.`}
                data-testid={`palette-item-${kind}`}
              >
                <span className="studio-palette-item__title">{spec.title}</span>
                <span className="studio-palette-item__doc">{spec.doc}</span>
              </button>
            );
          })}
        </section>
      ))}
    </div>
  );
}
