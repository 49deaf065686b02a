import { z } from 'zod';
import { formatShape, sameShape } from '../shape.ts';
import { mergeInputsField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { mergePorts, noParams, ok } from './rules.ts';

export const addKind = defineNodeKind({
  kind: 'Add',
  title: 'Add',
  category: 'merge',
  doc: 'Adds its inputs element by element, as in a residual connection.',
  params: z.strictObject({ inputs: mergeInputsField() }),
  inputPorts: mergePorts,
  outputShape: (_p, inputs, self) => {
    const [first, ...rest] = inputs;
    if (!first) throw new Error('shape rule called without an input');
    const other = rest.find((o) => !sameShape(o.shape, first.shape));
    if (!other) return ok(first.shape);
    return {
      ok: false,
      code: 'E_MERGE_SHAPES',
      message: `${self} needs inputs of one shape but ${first.from} gives ${formatShape(first.shape)} and ${other.from} gives ${formatShape(other.shape)}.`,
    };
  },
  paramCount: noParams,
  layer: (_p, name) => ({ className: 'Add', config: { name } }),
  describe: (p) => `${p.inputs} inputs`,
});
