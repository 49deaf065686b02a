import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { mgdaWeights } from './gram-math.ts';
import { stateless, type MethodFactory } from './method.ts';

/**
 * MGDA-UB (Sener & Koltun 2018): α = the min-norm point of the simplex for the tasks' gradients
 * with respect to the shared representation z; the trunk steps on K Σ α_k g_k (K × so that equal
 * α is the scale of `fixed`).
 */
export const mgdaUbMethod: MethodFactory<BalancingParams<'mgda-ub'>> = (kit) => ({
  ...stateless,
  async step(batch) {
    const { stats, coefficients } = await kit.representationStep(batch, (gram) =>
      mgdaWeights(gram).map((a) => a * gram.length),
    );
    return { stats, coefficients };
  },
});
