import { describe, expect, it } from 'vitest';
import {
  cagradCoefficients,
  frankWolfeMinNorm,
  mgdaTwo,
  mgdaWeights,
  normsAndCosines,
  pcgradCoefficients,
  projectToSimplex,
  VectorAdam,
} from './gram-math.ts';

/** Gram matrix of explicit vectors. */
const gram = (gs: number[][]) =>
  gs.map((a) => gs.map((b) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0)));
const combine = (gs: number[][], c: number[]) =>
  (gs[0] as number[]).map((_, d) => gs.reduce((s, g, k) => s + (c[k] ?? 0) * (g[d] ?? 0), 0));
const norm = (v: number[]) => Math.hypot(...v);

describe('MGDA', () => {
  it('two opposite gradients: the min-norm point is the middle, the step is zero', () => {
    const gs = [
      [1, 0],
      [-1, 0],
    ];
    const alpha = mgdaWeights(gram(gs));
    expect(alpha[0]).toBeCloseTo(0.5, 10);
    expect(norm(combine(gs, alpha))).toBeCloseTo(0, 10);
  });

  it('two tasks by hand: g1 = (1, 0), g2 = (0, 2) gives α1 = 4/5', () => {
    // α1 = ((g2 − g1)·g2) / ‖g1 − g2‖² = (0·… + 4) / (1 + 4) = 0.8
    const [a1, a2] = mgdaTwo(
      gram([
        [1, 0],
        [0, 2],
      ]),
    );
    expect(a1).toBeCloseTo(0.8, 10);
    expect(a2).toBeCloseTo(0.2, 10);
  });

  it('a gradient inside the other’s cone clips to the smaller one alone', () => {
    // g1 = (1, 0), g2 = (3, 0): the min-norm point of the segment is g1.
    expect(
      mgdaTwo(
        gram([
          [1, 0],
          [3, 0],
        ]),
      ),
    ).toEqual([1, 0]);
  });

  it('Frank–Wolfe agrees with the closed form for two tasks', () => {
    for (const gs of [
      [
        [1, 0],
        [0, 2],
      ],
      [
        [1, 2, -1],
        [-2, 0.5, 1],
      ],
      [
        [0.3, -1],
        [2, 1],
      ],
    ]) {
      const closed = mgdaTwo(gram(gs));
      const fw = frankWolfeMinNorm(gram(gs), 2000, 1e-14);
      expect(fw[0]).toBeCloseTo(closed[0], 4);
      expect(fw[1]).toBeCloseTo(closed[1], 4);
    }
  });

  it('three tasks: the min-norm point of an equilateral triangle around 0 is the centre', () => {
    const gs = [
      [1, 0],
      [-0.5, Math.sqrt(3) / 2],
      [-0.5, -Math.sqrt(3) / 2],
    ];
    const alpha = mgdaWeights(gram(gs));
    alpha.forEach((a) => expect(a).toBeCloseTo(1 / 3, 3));
    expect(norm(combine(gs, alpha))).toBeLessThan(1e-3);
  });
});

describe('PCGrad', () => {
  it('two opposite gradients cancel their opposing parts', () => {
    // g1 = (1, 1), g2 = (-1, 0): g1·g2 = -1 < 0.
    // g1' = g1 − (−1/1) g2 = (0, 1); g2' = g2 − (−1/2) g1 = (−0.5, 0.5); d = (−0.5, 1.5).
    const gs = [
      [1, 1],
      [-1, 0],
    ];
    const c = pcgradCoefficients(gram(gs), (i) => [1 - i]);
    const d = combine(gs, c);
    expect(d[0]).toBeCloseTo(-0.5, 10);
    expect(d[1]).toBeCloseTo(1.5, 10);
  });

  it('leaves agreeing gradients alone: the plain sum', () => {
    expect(
      pcgradCoefficients(
        gram([
          [1, 0],
          [1, 1],
        ]),
        (i) => [1 - i],
      ),
    ).toEqual([1, 1]);
  });

  it('three tasks follow the order given, against the original gradients', () => {
    const gs = [
      [1, 0],
      [-1, 1],
      [0, -1],
    ];
    // Task 0 against 1 then 2: g0·g1 = −1 → g0' = g0 + ½ g1 = (0.5, 0.5); g0'·g2 = −0.5 →
    // g0' = (0.5, 0.5) + 0.5 g2 = (0.5, 0). Task 1 against 0 then 2: g1·g0 = −1 → (0, 1);
    // (0,1)·g2 = −1 → (0, 0). Task 2 against 0 then 1: g2·g0 = 0, g2·g1 = −1 → g2 + ½ g1 =
    // (−0.5, −0.5). Sum: (0, −0.5).
    const c = pcgradCoefficients(gram(gs), (i) => [0, 1, 2].filter((j) => j !== i));
    const d = combine(gs, c);
    expect(d[0]).toBeCloseTo(0, 10);
    expect(d[1]).toBeCloseTo(-0.5, 10);
  });
});

describe('CAGrad', () => {
  it('c = 0 is the plain sum (the scale of fixed)', () => {
    expect(
      cagradCoefficients(
        gram([
          [1, 0],
          [0, 3],
        ]),
        0,
      ),
    ).toEqual([1, 1]);
  });

  it('two tasks: the bend lifts the task with the smaller gain, matching a search over w', () => {
    const gs = [
      [1, 0],
      [-0.5, 2],
    ];
    const g = gram(gs);
    const c = 0.4;
    // Brute force w on the simplex, then d = K (g0 + √φ/‖gw‖ gw).
    const g0 = combine(gs, [0.5, 0.5]);
    const sqrtPhi = c * norm(g0);
    let best = { w: 0, value: Infinity };
    for (let i = 0; i <= 100000; i++) {
      const w = i / 100000;
      const gw = combine(gs, [w, 1 - w]);
      const value = gw[0]! * g0[0]! + gw[1]! * g0[1]! + sqrtPhi * norm(gw);
      if (value < best.value) best = { w, value };
    }
    const gw = combine(gs, [best.w, 1 - best.w]);
    const lambda = sqrtPhi / norm(gw);
    const want = [2 * (0.5 + lambda * best.w), 2 * (0.5 + lambda * (1 - best.w))];
    const got = cagradCoefficients(g, c);
    expect(got[0]).toBeCloseTo(want[0] as number, 3);
    expect(got[1]).toBeCloseTo(want[1] as number, 3);
    // The worst task's gain d·g_i is higher than with the plain mean.
    const d = combine(gs, got);
    const mean = combine(gs, [1, 1]);
    const gains = (v: number[]) => gs.map((gi) => gi[0]! * v[0]! + gi[1]! * v[1]!);
    expect(Math.min(...gains(d))).toBeGreaterThan(Math.min(...gains(mean)));
  });
});

describe('helpers', () => {
  it('projects onto the simplex', () => {
    expect(projectToSimplex([0.5, 0.5])).toEqual([0.5, 0.5]);
    const p = projectToSimplex([2, 0, -1]);
    expect(p).toEqual([1, 0, 0]);
    const q = projectToSimplex([0.4, 0.4, 0.4]);
    q.forEach((x) => expect(x).toBeCloseTo(1 / 3, 10));
  });

  it('norms and cosines from a Gram matrix, 0 for a zero gradient', () => {
    const { norms, cosine } = normsAndCosines(
      gram([
        [3, 4],
        [-3, -4],
        [0, 0],
      ]),
    );
    expect(norms).toEqual([5, 5, 0]);
    expect(cosine[0]?.[1]).toBeCloseTo(-1, 10);
    expect(cosine[0]?.[2]).toBe(0);
  });

  it('Adam takes a first step of the learning rate against the gradient', () => {
    const adam = new VectorAdam(2, 0.1);
    const x = adam.step([0, 0], [3, -0.5]);
    expect(x[0]).toBeCloseTo(-0.1, 6);
    expect(x[1]).toBeCloseTo(0.1, 6);
  });
});
