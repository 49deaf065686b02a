import type { EdgeId, NodeId } from './ids.ts';

/**
 * The catalogue of everything the analysis can report. Tests and the UI refer to problems by
 * code; the message is the sentence a user reads.
 */
export const PROBLEM_CODES = {
  E_NO_INPUT: 'The graph has no Input node.',
  E_MANY_INPUTS: 'The graph has more than one Input node.',
  E_NO_HEADS: 'The graph has no task head.',
  E_CYCLE: 'The graph has a cycle.',
  E_GRAPH_TOO_DEEP: 'The graph has a path of more layers than the engine can build.',
  E_PORT_UNCONNECTED: 'An input port has nothing connected to it.',
  E_PORT_OVERCONNECTED: 'An input port has more than one link.',
  E_UNKNOWN_PORT: 'A link goes to a port the node does not have.',
  E_HEAD_UNREACHABLE: 'A task head is not reachable from the Input.',
  E_SHAPE_MISMATCH: 'A node gets an input of a shape it cannot take.',
  E_DENSE_RANK: 'A Dense layer gets an input of rank above 1.',
  E_MERGE_SHAPES: 'A merge node gets inputs whose shapes do not fit together.',
  E_EMPTY_OUTPUT: 'A node would produce an empty output.',
  E_INVALID_PARAM: 'A node parameter is invalid.',
  E_DUPLICATE_TASK: 'Two task heads use the same task name.',
  W_DEAD_END: 'A node reaches no task head.',
  E_TARGET_MISSING: 'A task head learns a target the dataset does not have.',
  E_TARGET_KIND: 'A task head learns a target of the wrong kind.',
  E_TARGET_SIZE: 'A task head has a size that does not match its target.',
  E_MEMORY_LIMIT: 'Training the graph would need more memory than the machine allows.',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  readonly code: ProblemCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The node the problem is shown on; merges and cycles may name several. */
  readonly nodeIds: readonly NodeId[];
  readonly edgeId?: EdgeId;
  /** For E_INVALID_PARAM: the parameter at fault. */
  readonly field?: string;
}

export function problem(
  code: ProblemCode,
  message: string,
  nodeIds: readonly NodeId[] = [],
  extra: { edgeId?: EdgeId; field?: string } = {},
): Problem {
  return {
    code,
    severity: code.startsWith('W_') ? 'warning' : 'error',
    message,
    nodeIds,
    ...extra,
  };
}

export const errorsOf = (problems: readonly Problem[]): Problem[] =>
  problems.filter((p) => p.severity === 'error');

/** The first error's sentence and how many more there are, e.g. "… (2 more problems in the graph)". */
export function firstErrorSentence(
  problems: readonly Problem[],
  where = 'in the graph',
): { code: string; message: string } | undefined {
  const [first, ...rest] = errorsOf(problems);
  if (!first) return undefined;
  const more = rest.length
    ? ` (${rest.length} more problem${rest.length > 1 ? 's' : ''} ${where})`
    : '';
  return { code: first.code, message: `${first.message}${more}` };
}

/** An error the engine throws for the user to read: one sentence, with a code to test against. */
export class StudioError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StudioError';
  }
}
