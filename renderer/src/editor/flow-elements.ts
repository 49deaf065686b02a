import type { Edge, Node } from '@xyflow/react';
import type { GraphAnalysis } from '../../../core/graph/analyze.ts';
import { asNodeId } from '../../../core/ids.ts';
import type { GraphDocument, GraphEdge, GraphNode } from '../../../core/graph/schema.ts';
import { formatShape } from '../../../core/shape.ts';
import type { Selection } from '../graph/graph-store.ts';
import { inputPortsOf } from '../graph/ports.ts';
import {
  nodeView,
  problemsByNode,
  sameView,
  type NodeProblems,
  type NodeView,
} from './node-view.ts';

/**
 * The graph document as React Flow nodes and edges. Each builder keeps the object it made for
 * a node or link as long as nothing it shows has changed, so dragging one node of 200 hands
 * React Flow 199 identical objects, whose components it does not render again.
 */

export type StudioFlowNode = Node<{ view: NodeView }, 'studio'>;
export type ShapeFlowEdge = Edge<{ shape: string | undefined; broken: boolean }, 'shape'>;

export interface Size {
  readonly width: number;
  readonly height: number;
}

interface NodeEntry {
  node: GraphNode;
  info: unknown;
  problems: NodeProblems | undefined;
  training: GraphDocument['training'];
  view: NodeView;
  selected: boolean;
  size: Size | undefined;
  flow: StudioFlowNode;
}

export class FlowNodeBuilder {
  private entries = new Map<string, NodeEntry>();

  build(
    doc: GraphDocument,
    analysis: GraphAnalysis,
    selection: Selection,
    sizes: ReadonlyMap<string, Size>,
    problems: ReadonlyMap<string, NodeProblems> = problemsByNode(analysis),
  ): StudioFlowNode[] {
    const selected = new Set(selection.nodeIds);
    const next = new Map<string, NodeEntry>();
    const nodes = doc.nodes.map((node) => {
      const info = analysis.nodes.get(asNodeId(node.id));
      const nodeProblems = problems.get(node.id);
      const isSelected = selected.has(node.id);
      const size = sizes.get(node.id);
      let entry = this.entries.get(node.id);
      if (
        !entry ||
        entry.node !== node ||
        entry.info !== info ||
        entry.problems !== nodeProblems ||
        entry.training !== doc.training ||
        entry.selected !== isSelected ||
        entry.size !== size
      ) {
        const fresh = nodeView(node, info, nodeProblems, doc.training);
        const view = entry && sameView(entry.view, fresh) ? entry.view : fresh;
        const samePosition =
          entry?.flow.position.x === node.position.x && entry.flow.position.y === node.position.y;
        const unchanged =
          entry &&
          view === entry.view &&
          samePosition &&
          entry.selected === isSelected &&
          entry.size === size;
        entry = {
          node,
          info,
          problems: nodeProblems,
          training: doc.training,
          view,
          selected: isSelected,
          size,
          flow:
            unchanged && entry
              ? entry.flow
              : toFlowNode(
                  node,
                  entry && view === entry.view ? entry.flow.data : { view },
                  isSelected,
                  size,
                ),
        };
      }
      next.set(node.id, entry);
      return entry.flow;
    });
    this.entries = next;
    return nodes;
  }
}

const toFlowNode = (
  node: GraphNode,
  data: StudioFlowNode['data'],
  selected: boolean,
  size: Size | undefined,
): StudioFlowNode => ({
  id: node.id,
  type: 'studio',
  position: node.position,
  data,
  selected,
  ...(size ? { measured: size } : {}),
});

interface EdgeEntry {
  edge: GraphEdge;
  target: GraphNode | undefined;
  flow: ShapeFlowEdge;
}

export class FlowEdgeBuilder {
  private entries = new Map<string, EdgeEntry>();
  private last: ShapeFlowEdge[] = [];

  build(doc: GraphDocument, analysis: GraphAnalysis, selection: Selection): ShapeFlowEdge[] {
    const selected = new Set(selection.edgeIds);
    const byId = new Map(doc.nodes.map((n) => [n.id, n] as const));
    const next = new Map<string, EdgeEntry>();
    const edges = doc.edges.map((edge) => {
      const shapeOf = analysis.edgeShapes.get(edge.id);
      const shape = shapeOf ? formatShape(shapeOf) : undefined;
      const target = byId.get(edge.target);
      const isSelected = selected.has(edge.id);
      const old = this.entries.get(edge.id);
      if (
        old &&
        old.edge === edge &&
        old.target === target &&
        old.flow.data?.shape === shape &&
        old.flow.selected === isSelected
      ) {
        next.set(edge.id, old);
        return old.flow;
      }
      const broken = !target || !inputPortsOf(target).includes(edge.targetPort);
      const flow: ShapeFlowEdge = {
        id: edge.id,
        type: 'shape',
        source: edge.source,
        target: edge.target,
        sourceHandle: 'out',
        // A link to a port the node does not have (from a file) is drawn to its first port,
        // marked, until the user fixes it; the problems panel names it.
        targetHandle: broken ? null : edge.targetPort,
        selected: isSelected,
        data: { shape, broken },
      };
      const same =
        old &&
        old.flow.targetHandle === flow.targetHandle &&
        old.flow.source === flow.source &&
        old.flow.target === flow.target &&
        old.flow.data?.broken === broken &&
        old.flow.data?.shape === shape &&
        old.flow.selected === isSelected;
      const entry = { edge, target, flow: same && old ? old.flow : flow };
      next.set(edge.id, entry);
      return entry.flow;
    });
    this.entries = next;
    // The same array when every link is the same: React Flow then skips its edge bookkeeping,
    // which is most of a drag frame's work on a large graph.
    if (edges.length === this.last.length && edges.every((e, i) => e === this.last[i])) {
      return this.last;
    }
    this.last = edges;
    return edges;
  }
}
