import type { BalancingParams } from '../../../core/balancing/methods.ts';
import type { Gram } from './gram-math.ts';
import { solveLinear } from './linear-algebra.ts';
import { stateless, type MethodFactory } from './method.ts';

/**
 * IMTL-G's weights (Liu et al., ICLR 2021, eq. 7) from the Gram matrix of the tasks' trunk
 * gradients: with u_k = g_k / ‖g_k‖, D = [g_1 − g_k] and U = [u_1 − u_k] for k = 2..K,
 * α_{2..K} = g_1 Uᵀ (D Uᵀ)⁻¹ and α_1 = 1 − Σ α_{2..K}, so that the step d = Σ α_k g_k has the
 * same projection dᵀu_k on every task's direction. Equal weights where a gradient is zero or
 * the system is singular (two tasks with the same direction).
 */
export function imtlWeights(g: Gram): number[] {
  const k = g.length;
  const equal = Array.from({ length: k }, () => 1 / k);
  const norms = g.map((row, i) => Math.sqrt(Math.max(row[i] ?? 0, 0)));
  if (k < 2 || norms.some((n) => n <= 1e-20)) return equal;
  const dot = (i: number, j: number) => g[i]?.[j] ?? 0;
  // (g_a − g_b)·u_c = (G_ac − G_bc) / ‖g_c‖.
  const du = (a: number, b: number, c: number) => (dot(a, c) - dot(b, c)) / (norms[c] as number);
  // (D Uᵀ)_{ij} = (g_1 − g_i)·(u_1 − u_j) and (g_1 Uᵀ)_j = g_1·(u_1 − u_j), for i, j = 2..K.
  const rest = Array.from({ length: k - 1 }, (_, i) => i + 1);
  const dU = rest.map((i) => rest.map((j) => du(0, i, 0) - du(0, i, j)));
  const g1U = rest.map((j) => dot(0, 0) / (norms[0] as number) - dot(0, j) / (norms[j] as number));
  // α_{2..K} solves α (D Uᵀ) = g_1 Uᵀ, that is (D Uᵀ)ᵀ αᵀ = (g_1 Uᵀ)ᵀ.
  const transposed = rest.map((_, j) => rest.map((__, i) => dU[i]?.[j] ?? 0));
  const alpha = solveLinear(transposed, g1U);
  if (!alpha || !alpha.every(Number.isFinite)) return equal;
  return [1 - alpha.reduce((s, a) => s + a, 0), ...alpha];
}

/**
 * IMTL-G on the shared trunk: the trunk steps on K Σ α_k g_k (K × so that equal α is the scale
 * of `fixed`); each head keeps its own task's gradient, as the paper's task-specific parameters.
 */
export const imtlGMethod: MethodFactory<BalancingParams<'imtl-g'>> = (kit) => ({
  ...stateless,
  async step(batch) {
    const { stats, coefficients } = await kit.gradientStep(batch, (gram) =>
      imtlWeights(gram).map((a) => a * gram.length),
    );
    return { stats, coefficients };
  },
});
