import { asNodeId } from '../ids.ts';
import { problem, type Problem } from '../problems.ts';
import { longestPath } from './topology.ts';

/**
 * The most nodes a path from the Input to a head may go through. TensorFlow.js builds a model by
 * recursing along each path (its Container's buildMapOfGraph), which overflows the call stack at
 * about 4,000 nodes in a row; a quarter of that leaves room for the callers' own frames and is far
 * deeper than any network trained with this app.
 */
export const MAX_GRAPH_DEPTH = 1000;

/** Reports a path deeper than MAX_GRAPH_DEPTH, given the nodes in topological order. */
export function checkDepth(
  order: readonly string[],
  links: readonly { source: string; target: string }[],
  problems: Problem[],
  label: (id: string) => string,
): void {
  const deepest = longestPath(order, links);
  const [first, last] = [deepest[0], deepest.at(-1)];
  if (deepest.length <= MAX_GRAPH_DEPTH || first === undefined || last === undefined) return;
  problems.push(
    problem(
      'E_GRAPH_TOO_DEEP',
      `The path from ${label(first)} to ${label(last)} goes through ${deepest.length} nodes, but the engine builds models at most ${MAX_GRAPH_DEPTH} nodes deep; shorten it.`,
      [asNodeId(last)],
    ),
  );
}
