import { describe, expect, it } from 'vitest';
import type { IncomingShape } from './kind.ts';
import { defaultParams, kindSpec, type NodeKind } from './registry.ts';

const from = (shape: number[], label = "Dense 'x'"): IncomingShape => ({ shape, from: label });
const rule = (kind: NodeKind, params: Record<string, unknown>, inputs: IncomingShape[]) => {
  const spec = kindSpec(kind);
  return spec.outputShape(spec.params.parse(params), inputs, `${kind} 'n'`);
};
const count = (kind: NodeKind, params: Record<string, unknown>, shapes: number[][]) =>
  kindSpec(kind).paramCount(kindSpec(kind).params.parse(params), shapes);

describe('the nodes that mix task columns and experts', () => {
  it('Multiply takes inputs of one shape, keeps it, and learns nothing', () => {
    expect(rule('Multiply', {}, [from([4, 4, 8]), from([4, 4, 8])])).toEqual({
      ok: true,
      shape: [4, 4, 8],
    });
    expect(rule('Multiply', { inputs: 3 }, [from([6]), from([6]), from([6], "Dense 'z'")])).toEqual(
      { ok: true, shape: [6] },
    );
    expect(rule('Multiply', {}, [from([4, 4, 8]), from([4, 4, 1], "Conv2D 'mask'")])).toEqual({
      ok: false,
      code: 'E_MERGE_SHAPES',
      message:
        "Multiply 'n' needs inputs of one shape but Dense 'x' gives [4, 4, 8] and Conv2D 'mask' gives [4, 4, 1].",
    });
    expect(count('Multiply', {}, [[6], [6]])).toEqual({ trainable: 0, nonTrainable: 0 });
    expect(kindSpec('Multiply').inputPorts(defaultParams('Multiply') as never)).toEqual([
      'in0',
      'in1',
    ]);
  });

  it('Gate reads a vector to gate on and experts of one shape, gives an expert’s shape and learns W and b', () => {
    const gate = from([10], "Flatten 'flat'");
    const experts = [from([16], "Dense 'e1'"), from([16], "Dense 'e2'"), from([16], "Dense 'e3'")];
    expect(rule('Gate', {}, [gate, ...experts])).toEqual({ ok: true, shape: [16] });
    expect(rule('Gate', { experts: 2 }, [gate, from([3, 3, 4]), from([3, 3, 4])])).toEqual({
      ok: true,
      shape: [3, 3, 4],
    });
    // W [10, 3] and b [3].
    expect(count('Gate', {}, [[10], [16], [16], [16]])).toEqual({
      trainable: 10 * 3 + 3,
      nonTrainable: 0,
    });
    expect(rule('Gate', {}, [gate, experts[0]!, experts[1]!, from([8], "Dense 'e3'")])).toEqual({
      ok: false,
      code: 'E_MERGE_SHAPES',
      message:
        "Gate 'n' needs experts of one shape but Dense 'e1' gives [16] and Dense 'e3' gives [8].",
    });
    expect(rule('Gate', { experts: 2 }, [from([4, 4, 2], "Conv2D 'c'"), ...experts])).toMatchObject(
      { ok: false, code: 'E_DENSE_RANK' },
    );
    expect(kindSpec('Gate').inputPorts({ experts: 3 })).toEqual([
      'gate',
      'expert1',
      'expert2',
      'expert3',
    ]);
    expect(kindSpec('Gate').layer({ experts: 3 }, 'g')).toEqual({
      className: 'Gate',
      config: { name: 'g', experts: 3 },
    });
  });

  it('CrossStitch mixes columns of one shape with one learned weight per column', () => {
    expect(rule('CrossStitch', {}, [from([4, 4, 8]), from([4, 4, 8])])).toEqual({
      ok: true,
      shape: [4, 4, 8],
    });
    expect(count('CrossStitch', { columns: 3 }, [[8], [8], [8]])).toEqual({
      trainable: 3,
      nonTrainable: 0,
    });
    expect(rule('CrossStitch', {}, [from([4, 4, 8]), from([2, 2, 8], "Conv2D 'b1'")])).toEqual({
      ok: false,
      code: 'E_MERGE_SHAPES',
      message:
        "CrossStitch 'n' needs columns of one shape but Dense 'x' gives [4, 4, 8] and Conv2D 'b1' gives [2, 2, 8].",
    });
    expect(kindSpec('CrossStitch').inputPorts({ columns: 3, selfWeight: 0.9 })).toEqual([
      'own',
      'other1',
      'other2',
    ]);
    expect(kindSpec('CrossStitch').params.safeParse({ selfWeight: 1.5 }).success).toBe(false);
  });
});
