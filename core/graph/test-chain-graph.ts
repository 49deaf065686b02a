import { parseGraphDocument } from './load.ts';
import type { GraphDocument } from './schema.ts';

/** For tests: Input → Flatten → Dense × (nodes − 3) → a classification head, `nodes` deep. */
export function chainGraph(nodes: number): GraphDocument {
  const dense = Array.from({ length: nodes - 3 }, (_, i) => `d${i}`);
  const ids = ['image', 'flat', ...dense, 'class_out'];
  return parseGraphDocument({
    format: 'multitask-studio/graph',
    version: 1,
    name: `chain of ${nodes}`,
    nodes: [
      { id: 'image', kind: 'Input', params: { height: 16, width: 16, channels: 3 } },
      { id: 'flat', kind: 'Flatten', params: {} },
      ...dense.map((id) => ({ id, kind: 'Dense', params: { units: 2 } })),
      { id: 'class_out', kind: 'ClassificationHead', params: { task: 'class', classes: 10 } },
    ],
    edges: ids.slice(1).map((target, i) => ({ id: `e${i}`, source: ids[i], target })),
    training: {},
  });
}
