import { useHost } from '../host/host-context.tsx';
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent,
  type FocusEvent,
} from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
  type OnReconnect,
} from '@xyflow/react';
import { isNodeKind } from '../../../core/nodes/registry.ts';
import { moveNodes, removeElements, type Position } from '../graph/commands.ts';
import { connect, reconnect } from '../graph/connect.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { flowDirectionOf, NODE_WIDTH } from '../graph/layout.ts';
import { openFile, useEditorActions } from './actions.ts';
import {
  FlowEdgeBuilder,
  FlowNodeBuilder,
  type ShapeFlowEdge,
  type Size,
  type StudioFlowNode,
} from './flow-elements.ts';
import { KIND_MIME } from './dnd.ts';
import { EdgeLabelLayer } from './edge-label-layer.ts';
import { FlowDirectionContext } from './flow-direction.ts';
import { problemsByNode } from './node-view.ts';
import { Notice } from './Notice.tsx';
import { ShapeEdge } from './ShapeEdge.tsx';
import { StudioNode } from './StudioNode.tsx';
import { showNotice, useUiStore } from './ui-store.ts';
import { useBindingProblems } from './use-binding-problems.ts';
import { fitReadable, MINIMAP_SIZE } from './viewport.ts';
import './editor.css';

const nodeTypes = { studio: StudioNode };
const edgeTypes = { shape: ShapeEdge };
const NO_SIZES: ReadonlyMap<string, Size> = new Map();
const MULTI_SELECT_KEYS = ['Meta', 'Control', 'Shift'];
const CATEGORY_COLOURS: Record<string, string> = {
  input: '#2e7d32',
  trunk: '#3563e9',
  merge: '#8e44ad',
  head: '#d9822b',
};

const graph = () => useGraphStore.getState();

/** Applies React Flow's select changes to a list of selected ids. */
function applySelect(
  current: readonly string[],
  changes: readonly { id: string; selected: boolean }[],
) {
  const ids = new Set(current);
  for (const c of changes) {
    if (c.selected) ids.add(c.id);
    else ids.delete(c.id);
  }
  return [...ids];
}

/**
 * The graph on a React Flow canvas. The nodes and links are derived from the graph store;
 * every change the user makes goes back through a command, so it can be undone.
 */
export function Canvas() {
  const doc = useGraphStore((s) => s.document);
  const analysis = useGraphStore((s) => s.analysis);
  const selection = useGraphStore((s) => s.selection);
  const loadCount = useGraphStore((s) => s.loadCount);
  const rf = useReactFlow<StudioFlowNode, ShapeFlowEdge>();
  const host = useHost();
  const actions = useEditorActions();
  const wrapper = useRef<HTMLDivElement>(null);
  const [labelLayer, setLabelLayer] = useState<HTMLElement | null>(null);
  useEffect(() => {
    setLabelLayer(
      wrapper.current?.querySelector<HTMLElement>('.react-flow__edgelabel-renderer') ?? null,
    );
  }, []);
  // Measured node sizes, kept with the document they were measured in: a node of a newly
  // opened graph may share an id with an old one but not its size or its handles.
  const [measured, setMeasured] = useState<{ load: number; sizes: ReadonlyMap<string, Size> }>(
    () => ({ load: loadCount, sizes: new Map() }),
  );
  const sizes = measured.load === loadCount ? measured.sizes : NO_SIZES;
  const nodeBuilder = useRef<FlowNodeBuilder>(null);
  const edgeBuilder = useRef<FlowEdgeBuilder>(null);
  nodeBuilder.current ??= new FlowNodeBuilder();
  edgeBuilder.current ??= new FlowEdgeBuilder();

  // A head that does not fit the dataset is marked like any other problem of the graph.
  const bindings = useBindingProblems();
  const problems = useMemo(() => problemsByNode(analysis, bindings), [analysis, bindings]);
  const nodes = useMemo(
    () => nodeBuilder.current?.build(doc, analysis, selection, sizes, problems) ?? [],
    [doc, analysis, selection, sizes, problems],
  );
  const edges = useMemo(
    () => edgeBuilder.current?.build(doc, analysis, selection) ?? [],
    [doc, analysis, selection],
  );

  // Where the handles go: a graph laid out downwards has its inputs on top.
  const direction = useMemo(() => flowDirectionOf(doc), [doc]);

  // A whole new document (open, template, New): show it once it is measured, at a readable
  // zoom; an empty one starts at 100 % from the origin, so layers dropped on it land where
  // they look.
  useEffect(() => {
    const current = useGraphStore.getState().document;
    if (current.nodes.length === 0) {
      void rf.setViewport({ x: 0, y: 0, zoom: 1 });
    } else {
      void fitReadable(rf, current);
    }
  }, [loadCount, rf]);

  // Heads added from outside the canvas (Fit heads) come into view as the graph's heads do.
  const fitRequests = useUiStore((s) => s.fitRequests);
  useEffect(() => {
    if (fitRequests > 0) void fitReadable(rf, useGraphStore.getState().document, 200);
  }, [fitRequests, rf]);

  const onNodesChange = useCallback((changes: NodeChange<StudioFlowNode>[]) => {
    const positions = new Map<string, Position>();
    const selects: { id: string; selected: boolean }[] = [];
    let fresh: Map<string, Size> | undefined;
    let dragging = false;
    for (const change of changes) {
      if (change.type === 'position' && change.position) {
        positions.set(change.id, change.position);
        dragging ||= change.dragging === true;
      } else if (change.type === 'dimensions' && change.dimensions) {
        fresh ??= new Map();
        fresh.set(change.id, change.dimensions);
      } else if (change.type === 'select') {
        selects.push(change);
      }
    }
    if (fresh) {
      const load = graph().loadCount;
      setMeasured((old) => {
        const base = old.load === load ? old.sizes : NO_SIZES;
        const changed = [...fresh].filter(([id, size]) => {
          const had = base.get(id);
          return !had || had.width !== size.width || had.height !== size.height;
        });
        if (changed.length === 0 && old.load === load) return old;
        return { load, sizes: new Map([...base, ...changed]) };
      });
    }
    if (positions.size > 0) {
      if (dragging && !graph().dragging) graph().beginDrag();
      if (graph().dragging) graph().dragNodes(positions);
      // Arrow keys move selected nodes without a drag: consecutive presses are one step.
      else graph().execute('Move', (d) => moveNodes(d, positions), { coalesce: 'keyboard-move' });
    }
    if (selects.length > 0) {
      graph().select({ nodeIds: applySelect(graph().selection.nodeIds, selects) });
    }
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<ShapeFlowEdge>[]) => {
    const selects = changes.filter((c) => c.type === 'select');
    if (selects.length > 0) {
      graph().select({ edgeIds: applySelect(graph().selection.edgeIds, selects) });
    }
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const result = graph().attempt('Connect', (d) =>
      connect(d, c.source, c.target, c.targetHandle ?? 'in'),
    );
    if (!result.ok) showNotice(result.reason);
  }, []);

  const reconnected = useRef(false);
  const onReconnectStart = useCallback(() => {
    reconnected.current = false;
  }, []);
  const onReconnect: OnReconnect<ShapeFlowEdge> = useCallback((old, c) => {
    reconnected.current = true;
    const result = graph().attempt('Reconnect', (d) =>
      reconnect(d, old.id, {
        source: c.source,
        target: c.target,
        targetPort: c.targetHandle ?? 'in',
      }),
    );
    if (!result.ok) showNotice(result.reason);
  }, []);
  // A link dragged off its port and dropped on empty canvas is removed.
  const onReconnectEnd = useCallback(
    (
      _e: MouseEvent | TouchEvent,
      edge: ShapeFlowEdge,
      _h: unknown,
      state: FinalConnectionState,
    ) => {
      if (!reconnected.current && !state.isValid && !state.toHandle) {
        graph().execute('Delete link', (d) => removeElements(d, [], [edge.id]));
      }
    },
    [],
  );

  // A node reached with Tab is brought wholly into view (React Flow pans only to one that is
  // wholly out of it), keeping the zoom.
  const onFocus = useCallback(
    (e: FocusEvent) => {
      const el = e.target as HTMLElement;
      if (!el.classList.contains('react-flow__node') || !el.matches(':focus-visible')) return;
      const id = el.dataset.id ?? '';
      // From the view's own numbers, a frame later: the browser's focus scroll of the canvas
      // (which React Flow undoes) and React Flow's own pan have happened by then.
      requestAnimationFrame(() => {
        const pane = wrapper.current?.querySelector('.react-flow')?.getBoundingClientRect();
        const node = rf.getNode(id);
        if (!pane || !node) return;
        const { x, y, zoom } = rf.getViewport();
        const w = (node.measured?.width ?? 0) * zoom;
        const h = (node.measured?.height ?? 0) * zoom;
        const left = node.position.x * zoom + x;
        const top = node.position.y * zoom + y;
        if (left >= 0 && top >= 0 && left + w <= pane.width && top + h <= pane.height) return;
        void rf.setViewport({
          x: pane.width / 2 - (left - x) - w / 2,
          y: pane.height / 2 - (top - y) - h / 2,
          zoom,
        });
      });
    },
    [rf],
  );

  const beginDrag = useCallback(() => graph().beginDrag(), []);
  const endDrag = useCallback(() => graph().endDrag(), []);

  const onDragOver = useCallback((e: DragEvent) => {
    const types = e.dataTransfer.types;
    if (types.includes(KIND_MIME) || types.includes('Files')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(KIND_MIME);
      if (kind && isNodeKind(kind)) {
        e.preventDefault();
        const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        actions.addNodeAt(kind, { x: at.x - NODE_WIDTH / 2, y: at.y - 30 });
        return;
      }
      const file = e.dataTransfer.files[0];
      if (file) {
        e.preventDefault();
        void openFile(file, host);
      }
    },
    [rf, actions, host],
  );

  return (
    <div
      ref={wrapper}
      className="studio-flow"
      onDragOver={onDragOver}
      onDrop={onDrop}
      onFocus={onFocus}
      data-testid="canvas"
    >
      <FlowDirectionContext value={direction}>
        <EdgeLabelLayer value={labelLayer}>
          <ReactFlow<StudioFlowNode, ShapeFlowEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onReconnect={onReconnect}
            onReconnectStart={onReconnectStart}
            onReconnectEnd={onReconnectEnd}
            onNodeDragStart={beginDrag}
            onNodeDragStop={endDrag}
            onSelectionDragStart={beginDrag}
            onSelectionDragStop={endDrag}
            deleteKeyCode={null}
            // Tab goes from node to node; links are selected with the pointer (a link is also
            // removed with its node, and remade with K).
            edgesFocusable={false}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={MULTI_SELECT_KEYS}
            minZoom={0.05}
            maxZoom={2.5}
            colorMode="system"
          >
            <Background gap={20} />
            {/* Fit view is the toolbar's (F): one button, with the readable minimum zoom. */}
            <Controls showInteractive={false} showFitView={false} />
            <MiniMap
              style={MINIMAP_SIZE}
              pannable
              zoomable
              nodeColor={(n) =>
                CATEGORY_COLOURS[(n as StudioFlowNode).data.view.category] ?? '#888'
              }
              nodeStrokeWidth={0}
            />
          </ReactFlow>
        </EdgeLabelLayer>
      </FlowDirectionContext>
      {doc.nodes.length === 0 && (
        <div className="studio-empty-hint">
          Start with an Input: click it in the palette. Each layer you click next goes after the
          selected node, linked to it; drag one to put it anywhere.
        </div>
      )}
      <Notice />
    </div>
  );
}
