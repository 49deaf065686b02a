import { beforeAll, describe, expect, it } from 'vitest';
import { parseGraphDocument } from '../../../core/graph/load.ts';
import { initBackend } from '../backend.ts';
import { compileGraph, type CompiledGraph } from '../compile.ts';
import { tf } from '../tf.ts';
import { nodeL2Factors, regularizedVariables, StepRegularizer } from './regularize.ts';

/** A conv with BatchNormalization and a Dense with its own L2, under one head. */
function smallGraph(): CompiledGraph {
  const nodes = [
    { id: 'image', kind: 'Input', params: { height: 8, width: 8, channels: 1 } },
    { id: 'conv', kind: 'Conv2D', params: { filters: 2, kernelSize: 3 } },
    { id: 'bn', kind: 'BatchNormalization', params: {} },
    { id: 'flat', kind: 'Flatten', params: {} },
    { id: 'fc', kind: 'Dense', params: { units: 3, l2: 0.01 } },
    { id: 'out', kind: 'ClassificationHead', params: { task: 'class', classes: 2 } },
  ];
  const ids = nodes.map((n) => n.id);
  const edges = ids
    .slice(1)
    .map((id, i) => ({ id: `e${i}`, source: ids[i] as string, target: id }));
  return compileGraph(
    parseGraphDocument({ format: 'multitask-studio/graph', version: 1, nodes, edges }),
  );
}

/** Variable name → its values, read now. */
const values = (vars: readonly { variable: tf.Variable }[]) =>
  Object.fromEntries(vars.map(({ variable }) => [variable.name, Array.from(variable.dataSync())]));

/** Gradients of zero for every variable: whatever comes out is regularisation alone. */
const zeroGrads = (vars: readonly { variable: tf.Variable }[]): tf.NamedTensorMap =>
  Object.fromEntries(vars.map(({ variable }) => [variable.name, tf.zerosLike(variable)]));

let compiled: CompiledGraph;
beforeAll(async () => {
  await initBackend('cpu');
  compiled = smallGraph();
});

describe('regularisation', () => {
  it('marks kernels, not biases or normalisation parameters, and reads node L2 factors', () => {
    const vars = regularizedVariables(compiled.model, nodeL2Factors(compiled.analysis));
    const kernels = vars.filter((v) => v.kernel).map((v) => v.variable.name);
    expect(kernels).toHaveLength(3); // conv, fc and the head's Dense
    expect(kernels.every((name) => /kernel/.test(name))).toBe(true);
    expect(vars.filter((v) => v.l2 > 0).map((v) => [v.variable.name.split('/')[0], v.l2])).toEqual([
      ['fc', 0.01],
    ]);
    expect(vars.some((v) => /gamma|beta/.test(v.variable.name) && v.kernel)).toBe(false);
  });

  it('SGD and RMSprop: weight decay joins the kernels’ gradients only', () => {
    const vars = regularizedVariables(compiled.model);
    const before = values(vars);
    const grads = zeroGrads(vars);
    const out = new StepRegularizer(vars, {
      optimizer: 'sgd',
      weightDecay: 0.1,
      clipNorm: 0,
    }).transform(grads);
    for (const { variable, kernel } of vars) {
      const g = Array.from((out[variable.name] as tf.Tensor).dataSync());
      const expected = (before[variable.name] as number[]).map((w) => (kernel ? 0.1 * w : 0));
      g.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 6));
    }
    tf.dispose([...Object.values(grads), ...Object.values(out)]);
  });

  it('Adam: decoupled decay shrinks kernels by rate × decay and leaves the rest', () => {
    const vars = regularizedVariables(compiled.model);
    const before = values(vars);
    const regularizer = new StepRegularizer(vars, {
      optimizer: 'adam',
      weightDecay: 0.5,
      clipNorm: 0,
    });
    const grads = zeroGrads(vars);
    const out = regularizer.transform(grads);
    // Decoupled: the gradients are untouched.
    for (const t of Object.values(out))
      expect(Array.from(t.dataSync()).every((v) => v === 0)).toBe(true);
    regularizer.decayWeights(0.2);
    const after = values(vars);
    for (const { variable, kernel } of vars) {
      const factor = kernel ? 1 - 0.2 * 0.5 : 1;
      (after[variable.name] as number[]).forEach((w, i) =>
        expect(w).toBeCloseTo(((before[variable.name] as number[])[i] as number) * factor, 6),
      );
    }
    tf.dispose([...Object.values(grads), ...Object.values(out)]);
  });

  it('node L2 adds 2 × factor × weight, and clipping scales all gradients to the global norm', () => {
    const vars = regularizedVariables(compiled.model, nodeL2Factors(compiled.analysis));
    const fc = vars.find((v) => v.l2 > 0) as (typeof vars)[number];
    const grads = zeroGrads(vars);
    const l2 = new StepRegularizer(vars, {
      optimizer: 'adam',
      weightDecay: 0,
      clipNorm: 0,
    }).transform(grads);
    const w = Array.from(fc.variable.dataSync());
    Array.from((l2[fc.variable.name] as tf.Tensor).dataSync()).forEach((g, i) =>
      expect(g).toBeCloseTo(2 * 0.01 * (w[i] as number), 7),
    );
    const big: tf.NamedTensorMap = Object.fromEntries(
      vars.map(({ variable }) => [variable.name, tf.onesLike(variable).mul(3)]),
    );
    const clipped = new StepRegularizer(regularizedVariables(compiled.model), {
      optimizer: 'sgd',
      weightDecay: 0,
      clipNorm: 1,
    }).transform(big);
    const norm = Math.sqrt(
      Object.values(clipped).reduce((sum, t) => sum + t.square().sum().dataSync()[0]!, 0),
    );
    expect(norm).toBeCloseTo(1, 5);
    tf.dispose([
      ...Object.values(grads),
      ...Object.values(l2),
      ...Object.values(big),
      ...Object.values(clipped),
    ]);
  });
});
