import { NODE_ID_PATTERN, TASK_NAME_PATTERN } from '../../../core/ids.ts';
import type { NodeKind } from '../../../core/nodes/registry.ts';

/**
 * Readable, unique names for what the editor creates: node ids in Keras' style (`conv2d_3`,
 * `max_pooling2d_1`), task names and link ids. Node ids become layer names in the compiled
 * model, so they must match NODE_ID_PATTERN.
 */

const MAX_NODE_ID = 64;
const MAX_TASK_NAME = 40;

/**
 * Conv2D → conv2d, MaxPooling2D → max_pooling2d, Conv2DTranspose → conv2d_transpose (Keras'
 * snake case: a capital that starts a word after another capital also starts a new part).
 */
export const kindIdBase = (kind: NodeKind): string =>
  kind
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();

/** `conv1_2` → `conv1`: the name without a counter we added. */
const withoutCounter = (name: string): string => name.replace(/_\d+$/, '') || name;

function firstFree(base: string, taken: ReadonlySet<string>, max: number, from: number): string {
  for (let n = from; ; n++) {
    const suffix = `_${n}`;
    const name = `${base.slice(0, max - suffix.length)}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

/** A new node id for a kind: `conv2d_1`, `conv2d_2`, … the first one not taken. */
export const newNodeId = (kind: NodeKind, taken: ReadonlySet<string>): string =>
  firstFree(kindIdBase(kind), taken, MAX_NODE_ID, 1);

/** The id a copy of `id` gets: `id` itself when free, else `conv1_2`, `conv1_3`, … */
export function copyNodeId(id: string, taken: ReadonlySet<string>): string {
  if (!taken.has(id) && NODE_ID_PATTERN.test(id)) return id;
  const base = NODE_ID_PATTERN.test(id) ? withoutCounter(id) : 'node';
  return firstFree(base, taken, MAX_NODE_ID, 2);
}

/** A task name not used by any other head: `class`, else `class_2`, `class_3`, … */
export function uniqueTaskName(wanted: string, taken: ReadonlySet<string>): string {
  if (!taken.has(wanted)) return wanted;
  const base = TASK_NAME_PATTERN.test(wanted) ? withoutCounter(wanted) : 'task';
  return firstFree(base, taken, MAX_TASK_NAME, 2);
}

/** `image-conv1` for a single port, `a-merge-in1` for a merge port; unique in `taken`. */
export function newEdgeId(
  source: string,
  target: string,
  targetPort: string,
  taken: ReadonlySet<string>,
): string {
  const base = targetPort === 'in' ? `${source}-${target}` : `${source}-${target}-${targetPort}`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
