import { analyzeGraph, type GraphAnalysis } from '../../../core/graph/analyze.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';

/**
 * Whether two documents can only differ in what the analysis ignores: positions, labels,
 * name, description and training settings. Commands keep the objects they do not touch, so
 * this is a cheap reference check; it is what keeps a 200-node drag from re-analysing the
 * graph on every frame.
 */
export function sameStructure(a: GraphDocument, b: GraphDocument): boolean {
  if (a.edges !== b.edges || a.nodes.length !== b.nodes.length) return false;
  return a.nodes.every((n, i) => {
    const m = b.nodes[i];
    return m !== undefined && n.id === m.id && n.kind === m.kind && n.params === m.params;
  });
}

/** The analysis of `doc`, reusing `previous` when only positions or labels changed. */
export function analysisFor(
  doc: GraphDocument,
  previous?: { readonly document: GraphDocument; readonly analysis: GraphAnalysis },
): GraphAnalysis {
  if (previous && (previous.document === doc || sameStructure(previous.document, doc))) {
    return previous.analysis;
  }
  return analyzeGraph(doc);
}
