import { z } from 'zod';
import { kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';

/** One parameter of a node kind, as the inspector draws it (from the kind's JSON Schema). */
export interface ParamField {
  readonly name: string;
  readonly type: 'integer' | 'number' | 'string' | 'boolean' | 'enum';
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The bound itself is not allowed (e.g. Dropout's rate < 1). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly pattern?: string;
  readonly description: string;
  readonly defaultValue: unknown;
}

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  description?: string;
  default?: unknown;
}

const cache = new Map<NodeKind, readonly ParamField[]>();

/** The fields of a kind's params in schema order, with bounds and one-line docs. */
export function paramFields(kind: NodeKind): readonly ParamField[] {
  const cached = cache.get(kind);
  if (cached) return cached;
  const fields = schemaFields(kindSpec(kind).params);
  cache.set(kind, fields);
  return fields;
}

/** The flat fields of an object schema (nested objects are left out), as `paramFields`. */
export function schemaFields(objectSchema: z.ZodType): ParamField[] {
  const schema = z.toJSONSchema(objectSchema) as {
    properties?: Record<string, JsonSchemaProperty>;
  };
  const flat = Object.entries(schema.properties ?? {}).filter(([, p]) => p.type !== 'object');
  return flat.map(([name, p]): ParamField => {
    const type = p.enum
      ? 'enum'
      : p.type === 'integer' || p.type === 'number' || p.type === 'boolean'
        ? p.type
        : 'string';
    const min = p.minimum ?? p.exclusiveMinimum;
    const max = p.maximum ?? p.exclusiveMaximum;
    return {
      name,
      type,
      ...(p.enum ? { options: p.enum.map(String) } : {}),
      ...(min !== undefined ? { min, exclusiveMin: p.exclusiveMinimum !== undefined } : {}),
      ...(max !== undefined ? { max, exclusiveMax: p.exclusiveMaximum !== undefined } : {}),
      ...(p.pattern ? { pattern: p.pattern } : {}),
      description: p.description ?? '',
      defaultValue: p.default,
    };
  });
}

/** "1 to 4096", "more than 0, at most 10", "0 to below 1". */
export function boundsText(field: ParamField): string | undefined {
  const { min, max } = field;
  if (min === undefined && max === undefined) return undefined;
  if (min !== undefined && max !== undefined && !field.exclusiveMin && !field.exclusiveMax) {
    return `${min} to ${max}`;
  }
  const parts = [
    min !== undefined && (field.exclusiveMin ? `more than ${min}` : `at least ${min}`),
    max !== undefined && (field.exclusiveMax ? `below ${max}` : `at most ${max}`),
  ].filter(Boolean);
  return parts.join(', ');
}

/** "lossWeight" → "Loss weight". */
export const fieldTitle = (name: string): string => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};
