import { schemaFields, type ParamField } from '../../../core/graph/setting-fields.ts';
import { kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';

const cache = new Map<NodeKind, readonly ParamField[]>();

/** The fields of a kind's params in schema order, with bounds and one-line docs. */
export function paramFields(kind: NodeKind): readonly ParamField[] {
  const cached = cache.get(kind);
  if (cached) return cached;
  const fields = schemaFields(kindSpec(kind).params);
  cache.set(kind, fields);
  return fields;
}

/** "lossWeight" → "Loss weight". */
export const fieldTitle = (name: string): string => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};
