import { useGraphStore } from '../graph/graph-store.ts';
import { EdgeInspector, GraphInspector, SelectionInspector } from './GraphInspector.tsx';
import { NodeInspector } from './NodeInspector.tsx';
import './editor.css';

/** Edits what is selected: one node's params, a link, several things, or the graph itself. */
export function Inspector() {
  const nodeIds = useGraphStore((s) => s.selection.nodeIds);
  const edgeIds = useGraphStore((s) => s.selection.edgeIds);
  const only = nodeIds.length === 1 ? nodeIds[0] : undefined;
  const edge = nodeIds.length === 0 && edgeIds.length === 1 ? edgeIds[0] : undefined;
  return (
    <section className="studio-inspector" data-testid="inspector">
      {only !== undefined ? (
        <NodeInspector key={only} nodeId={only} />
      ) : edge !== undefined ? (
        <EdgeInspector edgeId={edge} />
      ) : nodeIds.length + edgeIds.length > 0 ? (
        <SelectionInspector nodes={nodeIds.length} links={edgeIds.length} />
      ) : (
        <GraphInspector />
      )}
    </section>
  );
}
