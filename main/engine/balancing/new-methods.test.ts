import { describe, expect, it } from 'vitest';
import { createRng } from '../../datasets/rng.ts';
import { alignedWeights } from './aligned-mtl.ts';
import { imtlWeights } from './imtl-g.ts';
import { solveLinear, symmetricEigen } from './linear-algebra.ts';
import { nashWeights } from './nash-mtl.ts';
import { rlwWeights } from './rlw.ts';

/** The Gram matrix of gradients given as rows. */
const gramOf = (rows: number[][]) =>
  rows.map((a) => rows.map((b) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0)));

const closeAll = (got: readonly number[], want: readonly number[], digits = 10) => {
  expect(got).toHaveLength(want.length);
  got.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, digits));
};

/** Two tasks, g_1 = (1, 0) and g_2 = (0, 2): orthogonal, norms 1 and 2. */
const TWO = gramOf([
  [1, 0],
  [0, 2],
]);
/**
 * Three tasks, g_1 = (1, 0, 0), g_2 = (0.5, 2, 0), g_3 = (−1, 1, 1.5): G = [[1, 0.5, −1],
 * [0.5, 4.25, 1.5], [−1, 1.5, 4.25]], eigenvalues (numpy.linalg.eigh) 5.778364757164377,
 * 3.2410741723536485, 0.4805610704819742.
 */
const THREE = gramOf([
  [1, 0, 0],
  [0.5, 2, 0],
  [-1, 1, 1.5],
]);

describe('linear algebra of the K × K problems', () => {
  it('solves a linear system and refuses a singular one', () => {
    // 2x + y = 3, x + 3y = 5 → x = 0.8, y = 1.4.
    closeAll(
      solveLinear(
        [
          [2, 1],
          [1, 3],
        ],
        [3, 5],
      ) ?? [],
      [0.8, 1.4],
    );
    expect(
      solveLinear(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeUndefined();
  });

  it('finds eigenvalues and unit eigenvectors by Jacobi rotations', () => {
    // [[2, 1], [1, 2]]: 3 along (1, 1)/√2, 1 along (1, −1)/√2.
    const two = symmetricEigen([
      [2, 1],
      [1, 2],
    ]);
    closeAll(two.values, [3, 1]);
    closeAll(two.vectors[0]!.map(Math.abs), [Math.SQRT1_2, Math.SQRT1_2]);
    const three = symmetricEigen(THREE);
    closeAll(three.values, [5.778364757164377, 3.2410741723536485, 0.4805610704819742]);
    three.vectors.forEach((v, j) => {
      // M v = λ v.
      const mv = THREE.map((row) => row.reduce((s, x, i) => s + x * (v[i] ?? 0), 0));
      closeAll(
        mv,
        v.map((x) => x * three.values[j]!),
      );
    });
  });
});

describe('IMTL-G', () => {
  it('two tasks: α = (2/3, 1/3), an equal projection 2/3 on both directions', () => {
    // u_1 − u_2 = (1, −1); g_1·(u_1 − u_2) = 1; (g_1 − g_2)·(u_1 − u_2) = (1, −2)·(1, −1) = 3;
    // α_2 = 1/3, α_1 = 2/3; d = (2/3, 2/3), d·u_1 = d·u_2 = 2/3.
    closeAll(imtlWeights(TWO), [2 / 3, 1 / 3]);
  });

  it('three orthogonal tasks of norms 1, 2, 4: α ∝ 1/‖g_k‖ = (4/7, 2/7, 1/7)', () => {
    const g = gramOf([
      [1, 0, 0],
      [0, 2, 0],
      [0, 0, 4],
    ]);
    closeAll(imtlWeights(g), [4 / 7, 2 / 7, 1 / 7]);
  });

  it('three tasks in general position, as numpy gives them', () => {
    // numpy: a = g1 @ U.T @ inv(D @ U.T); the step's projection on each u_k is 0.33679884678157.
    closeAll(imtlWeights(THREE), [0.6978148448213346, -0.03922056190739487, 0.34140571708606027]);
  });

  it('falls back to equal weights for a zero gradient or one direction twice', () => {
    closeAll(
      imtlWeights(
        gramOf([
          [1, 0],
          [0, 0],
        ]),
      ),
      [0.5, 0.5],
    );
    closeAll(
      imtlWeights(
        gramOf([
          [1, 0],
          [2, 0],
        ]),
      ),
      [0.5, 0.5],
    );
  });
});

describe('Nash-MTL', () => {
  it('two orthogonal tasks: α_k = (‖G‖_F / G_kk)^½, here 17^¼ / 2 and 17^¼', () => {
    // G = diag(1, 4), ‖G‖_F = √17; Ĝα = 1/α gives α_k² G_kk / √17 = 1.
    const g = gramOf([
      [2, 0],
      [0, 1],
    ]);
    closeAll(nashWeights(g, [1, 1], 20), [17 ** 0.25 / 2, 17 ** 0.25]);
  });

  it('three tasks: the fixed point Ĝα = 1/α (numpy Newton from ones)', () => {
    const alpha = nashWeights(THREE, [1, 1, 1], 20);
    closeAll(alpha, [3.151501120464687, 0.8805266493331078, 1.483986318492417]);
  });

  it('starts from the last α, and one Newton step from afar is not yet the answer', () => {
    const one = nashWeights(THREE, [1, 1, 1], 1);
    expect(Math.abs(one[0]! - 3.151501120464687)).toBeGreaterThan(1e-3);
    closeAll(
      nashWeights(THREE, [3.151501120464687, 0.88052664933, 1.4839863185], 1),
      [3.151501120464687, 0.8805266493331078, 1.483986318492417],
    );
  });
});

describe('Aligned-MTL', () => {
  it('two orthogonal tasks of norms 1 and 2: B = diag(1, ½), α = (1, ½)', () => {
    // M = diag(1, 4); √λ_min = 1; B = V Λ^{-1/2} Vᵀ = diag(1, ½): both aligned gradients have
    // norm 1.
    closeAll(alignedWeights(TWO), [1, 0.5]);
  });

  it('three tasks, as torch.linalg.eigh in the authors’ code gives them', () => {
    closeAll(alignedWeights(THREE), [0.9458855221185106, 0.14124179671376072, 0.5000444819165824]);
  });

  it('drops a null direction: two equal gradients weigh ½ each, the scale of one', () => {
    // M = [[1, 1], [1, 1]] = 2 vvᵀ with v = (1, 1)/√2, rank 1; B = √2 · vvᵀ / √2 = vvᵀ.
    closeAll(
      alignedWeights(
        gramOf([
          [1, 0],
          [1, 0],
        ]),
      ),
      [1, 1],
    );
  });
});

describe('random loss weighting', () => {
  it('weighs K × softmax of the draws', () => {
    // softmax(0, ln 2) = (1/3, 2/3).
    closeAll(rlwWeights([0, Math.log(2)]), [2 / 3, 4 / 3]);
    closeAll(rlwWeights([0.3, 0.3, 0.3]), [1, 1, 1]);
  });

  it('draws from a generator whose saved state gives the same next draws', () => {
    const a = createRng(5, 0x71e);
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>;
    const next = [a.normal(), a.normal(), a.normal()];
    const b = createRng(1);
    b.setState(saved);
    expect([b.normal(), b.normal(), b.normal()]).toEqual(next);
  });
});
