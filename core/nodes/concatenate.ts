import { z } from 'zod';
import { formatShape } from '../shape.ts';
import { intField, mergeInputsField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { mergePorts, noParams, ok } from './rules.ts';

/** A merge axis without the batch axis as Keras counts it (with the batch axis first). */
const kerasAxis = (axis: number): number => (axis >= 0 ? axis + 1 : axis);

export const concatenateKind = defineNodeKind({
  kind: 'Concatenate',
  title: 'Concatenate',
  category: 'merge',
  doc: 'Joins its inputs along one axis (channels by default).',
  params: z.strictObject({
    inputs: mergeInputsField(),
    axis: intField(-3, 3, -1, 'Axis to join along, without the batch axis; -1 is the last.'),
  }),
  inputPorts: mergePorts,
  outputShape: (p, inputs, self) => {
    const [first, ...rest] = inputs;
    if (!first) throw new Error('shape rule called without an input');
    const rank = first.shape.length;
    const axis = p.axis < 0 ? rank + p.axis : p.axis;
    if (axis < 0 || axis >= rank) {
      return {
        ok: false,
        code: 'E_MERGE_SHAPES',
        message: `${self} joins along axis ${p.axis} but ${first.from} gives ${formatShape(first.shape)}, which has no such axis.`,
      };
    }
    const out = [...first.shape];
    for (const other of rest) {
      const fits =
        other.shape.length === rank &&
        other.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!fits) {
        return {
          ok: false,
          code: 'E_MERGE_SHAPES',
          message: `${self} can only join shapes that agree except on axis ${p.axis}, but ${first.from} gives ${formatShape(first.shape)} and ${other.from} gives ${formatShape(other.shape)}.`,
        };
      }
      out[axis] = (out[axis] ?? 0) + (other.shape[axis] ?? 0);
    }
    return ok(out);
  },
  paramCount: noParams,
  // Keras and TensorFlow.js count the batch axis; the parameter, as the shapes on the canvas,
  // does not: axis 0 here is the layer's axis 1.
  layer: (p, name) => ({ className: 'Concatenate', config: { name, axis: kerasAxis(p.axis) } }),
  describe: (p) => `${p.inputs} inputs, axis ${p.axis}`,
});
