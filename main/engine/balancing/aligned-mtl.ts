import type { BalancingParams } from '../../../core/balancing/methods.ts';
import type { Gram } from './gram-math.ts';
import { symmetricEigen } from './linear-algebra.ts';
import { stateless, type MethodFactory } from './method.ts';

/** float32's machine epsilon: the gradients, and so their Gram matrix, are float32. */
const FLOAT32_EPSILON = 2 ** -23;

/**
 * Aligned-MTL's weights (Senushkin et al., CVPR 2023, Alg. 1, as the authors' code): the Gram
 * matrix M = G Gᵀ = V Λ Vᵀ, its rank r from the eigenvalues above max λ · K · ε, and
 * B = √λ_r V_r Λ_r^{-1/2} V_rᵀ, so the aligned gradients G B have orthogonal principal
 * components of equal norm √λ_r (the smallest singular value kept). With equal preferences the
 * trunk steps on Σ_k (B 1)_k g_k: equal orthogonal gradients of norm 1 give 1 each, as `fixed`.
 */
export function alignedWeights(g: Gram): number[] {
  const k = g.length;
  const { values, vectors } = symmetricEigen(g);
  const largest = values[0] ?? 0;
  if (!(largest > 0)) return Array.from({ length: k }, () => 1);
  const tolerance = largest * k * FLOAT32_EPSILON;
  const kept = values.flatMap((l, j) => (l > tolerance ? [j] : []));
  const smallest = Math.sqrt(values[kept.at(-1) as number] as number);
  // (B 1)_i = √λ_r Σ_j v_j[i] (v_j · 1) / √λ_j.
  return Array.from(
    { length: k },
    (_, i) =>
      kept.reduce((s, j) => {
        const v = vectors[j] as number[];
        const sum = v.reduce((a, b) => a + b, 0);
        return s + ((v[i] ?? 0) * sum) / Math.sqrt(values[j] as number);
      }, 0) * smallest,
  );
}

/** Aligned-MTL on the shared trunk; each head keeps its own task's gradient. */
export const alignedMtlMethod: MethodFactory<BalancingParams<'aligned-mtl'>> = (kit) => ({
  ...stateless,
  async step(batch) {
    const { stats, coefficients } = await kit.gradientStep(batch, alignedWeights);
    return { stats, coefficients };
  },
});
