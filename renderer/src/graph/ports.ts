import { defaultParams, kindSpec } from '../../../core/nodes/registry.ts';
import type { GraphNode } from '../../../core/graph/schema.ts';

/** Merge nodes never have more ports than this, even with a wild `inputs` value in a file. */
const MAX_DRAWN_PORTS = 32;

/**
 * The input ports a node has. With valid params it is the kind's own answer; with invalid ones
 * (a value being typed, a broken file) the defaults stand in, keeping a sane `inputs` count so
 * the links a merge already has stay drawn while the analysis reports the bad value.
 */
export function inputPortsOf(node: GraphNode): readonly string[] {
  const spec = kindSpec(node.kind);
  const parsed = spec.params.safeParse(node.params);
  if (parsed.success) return spec.inputPorts(parsed.data);
  const fallback = defaultParams(node.kind);
  const inputs = node.params.inputs;
  if (
    'inputs' in fallback &&
    typeof inputs === 'number' &&
    Number.isInteger(inputs) &&
    inputs >= 1 &&
    inputs <= MAX_DRAWN_PORTS
  ) {
    fallback.inputs = inputs;
  }
  return spec.inputPorts(fallback);
}

/** Whether the node's output can feed another node: heads are the model's outputs. */
export const hasOutput = (node: GraphNode): boolean => !kindSpec(node.kind).head;
