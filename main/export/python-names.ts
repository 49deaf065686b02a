import type { ModelNode } from './source.ts';

const RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield self image x F nn torch np json os keras layers model inputs outputs sum max min ' +
    'abs len range list dict input id type format print open float int str map zip all any'
  ).split(' '),
);

/**
 * A Python identifier per node id, as close to the id as Python allows ('-' becomes '_'), so
 * the generated code reads like the graph. Every name is unique.
 */
export function pythonNames(nodes: readonly ModelNode[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const node of nodes) {
    let name = node.id.replace(/-/g, '_');
    while (RESERVED.has(name) || used.has(name)) name = `${name}_`;
    used.add(name);
    names.set(node.id, name);
  }
  return names;
}

/** A Python string literal. */
export const pyString = (s: string): string => JSON.stringify(s);
