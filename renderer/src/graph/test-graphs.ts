import type { GraphDocument } from '../../../core/graph/schema.ts';
import type { NodeKind } from '../../../core/nodes/registry.ts';
import { addNode } from './commands.ts';
import { connect } from './connect.ts';
import { emptyDocument } from './empty-document.ts';

/** Builds graphs for tests from [id, kind] pairs and [source, target, port?] links. */
export function buildGraph(
  nodes: readonly (readonly [string, NodeKind])[],
  links: readonly (readonly [string, string, string?])[] = [],
): GraphDocument {
  let doc = emptyDocument('test');
  nodes.forEach(([id, kind], i) => {
    doc = addNode(doc, kind, { x: i * 200, y: 0 }, id);
  });
  for (const [source, target, port] of links) {
    const result = connect(doc, source, target, port);
    if (!result.ok) throw new Error(result.reason);
    doc = result.document;
  }
  return doc;
}

/** Input → Conv2D → Flatten → two heads: a small valid multi-task graph. */
export const twoHeads = (): GraphDocument =>
  buildGraph(
    [
      ['image', 'Input'],
      ['conv', 'Conv2D'],
      ['flat', 'Flatten'],
      ['cls', 'ClassificationHead'],
      ['box', 'BoxHead'],
    ],
    [
      ['image', 'conv'],
      ['conv', 'flat'],
      ['flat', 'cls'],
      ['flat', 'box'],
    ],
  );
